// @ts-check
// The module hooks register.mjs installs: `.css` files load as empty ES modules; everything else as before.

/**
 * @param {string} url
 * @param {{ format?: string | null }} context
 * @param {(url: string, context: { format?: string | null }) => Promise<unknown>} nextLoad
 */
export async function load(url, context, nextLoad) {
  if (new URL(url).pathname.endsWith('.css')) return { format: 'module', source: '', shortCircuit: true };
  return nextLoad(url, context);
}
