/** Reading a float32 tensor's values with the fewest copies each backend allows. */
import * as tf from '@tensorflow/tfjs';

interface WasmBackendLike {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/** tfjs-backend-wasm copies a tensor's values into its heap when the tensor is made (cpu keeps the array itself). */
export function backendCopiesOnWrite(): boolean {
  return tf.getBackend() === 'wasm';
}

/**
 * A float32 tensor's values, read at once and never written: on wasm a view of its heap (no copy; valid until the
 * backend's memory grows, i.e. until the next tensor is made), elsewhere dataSync() — on cpu, and on native
 * TensorFlow for a tensor made from JavaScript values and not yet used by a TensorFlow op, the array itself.
 */
export function valuesOf(t: tf.Tensor): Float32Array {
  if (backendCopiesOnWrite()) return (tf.backend() as unknown as WasmBackendLike).typedArrayFromHeap(t);
  return t.dataSync() as Float32Array;
}
