// Module resolution hook (runs in Node's loader thread): maps the bare specifier 'electron' to
// the stand-in; everything else resolves as usual.
let standIn;

export function initialize(data) {
  standIn = data.standIn;
}

export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: standIn, shortCircuit: true };
  return next(specifier, context);
}
