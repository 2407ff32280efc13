// Node module hook for the TensorFlow.js peer: tfjs-core's ESM build imports relative paths without a
// file extension (`./gradients`), which Node's ESM resolver refuses; retry those with `.js` (and
// `/index.js` for folders). Only relative imports made from inside @tensorflow packages are touched.
export async function resolve(specifier, context, next) {
  const fromTf = context.parentURL?.includes('/@tensorflow/') && specifier.startsWith('.');
  if (!fromTf || specifier.endsWith('.js')) return next(specifier, context);
  try {
    return await next(`${specifier}.js`, context);
  } catch {
    return next(`${specifier}/index.js`, context);
  }
}
