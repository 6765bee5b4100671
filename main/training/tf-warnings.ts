/**
 * TF.js's own console warnings, said once and in our words. Its orthogonal initializer (the recurrent kernels'
 * default) warns "Orthogonal initializer is being called on a matrix with more than 2000 (…) elements: Slowness may
 * result." on every model build whose recurrent kernel has more than 2,000 weights, i.e. LSTM(32) already: users saw it
 * on every run. Here it is dropped for the matrices that initialise in moments, and for a large one replaced, once per
 * process, by a line that says what is slow and what to do about it. Since orthogonal.ts draws matrices of up to
 * 4M weights itself (and does not warn), TF.js's warning comes only from larger ones.
 */

/** TF.js's message (tfjs-layers initializers.js, Orthogonal.apply); the number in parentheses is the matrix size. */
const TF_ORTHOGONAL = /^Orthogonal initializer is being called on a matrix with more than \d+ \((\d+)\) elements/;

/** From this many weights in one recurrent kernel (LSTM(256): 256 × 1024) the QR decomposition takes noticeable time. */
export const ORTHOGONAL_SLOW_ELEMENTS = 262_144;

let toldOrthogonal = false;

/** Our words for a slow orthogonal initialisation of `elements` weights. */
export function orthogonalNotice(elements: number): string {
  return (
    `Note: drawing the orthogonal starting weights of a recurrent kernel with ${elements.toLocaleString('en-US')} weights takes a while ` +
    "(a QR decomposition); the run goes on meanwhile. To skip it, set recurrentInitializer to glorotUniform under the layer's Advanced settings."
  );
}

/**
 * What to print instead of one console.warn call: the arguments unchanged for any other warning, our notice the first
 * time a large orthogonal matrix is initialised in this process, nothing otherwise.
 */
export function translateTfWarning(args: unknown[]): unknown[] | null {
  const m = typeof args[0] === 'string' ? TF_ORTHOGONAL.exec(args[0]) : null;
  if (!m) return args;
  const elements = Number(m[1]);
  if (elements < ORTHOGONAL_SLOW_ELEMENTS || toldOrthogonal) return null;
  toldOrthogonal = true;
  return [orthogonalNotice(elements)];
}

/** Runs `fn` (synchronous: a model build) with TF.js's warnings translated as above. */
export function withTfWarningsTranslated<T>(fn: () => T): T {
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    const out = translateTfWarning(args);
    if (out) original.apply(console, out);
  };
  try {
    return fn();
  } finally {
    console.warn = original;
  }
}
