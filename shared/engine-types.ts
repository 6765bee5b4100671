/**
 * The engine's own small facts that the worker protocol, the API, replays and estimates all name: which backend ran a
 * run and which implementation ran each recurrent layer. A leaf module, so that those four never import each other
 * in a circle.
 */

/** Which engine ran a run; shown to the user and written with every run. */
export interface BackendInfo {
  /** tfjs backend name: "tensorflow" (native), "wasm" or "cpu". */
  name: string;
  tfjsVersion: string;
  /** Why this backend, e.g. why native TensorFlow was not used. */
  detail: string;
  nativeVersion?: string;
}

/** Which implementation runs a recurrent layer: our fused kernels or TF.js's op-by-op loop (and why). */
export interface RecurrencePath {
  /** Layer name; Bidirectional halves are "<name> (forward)" / "<name> (backward)". */
  layer: string;
  fused: boolean;
  /** Why it is not fused, or what still is not (dropout while training). */
  reason?: string;
}
