// diff.js - a readable before/after of two flag documents: one line per
// changed leaf, by path ("production: enabled  false → true"), leaving out
// bookkeeping (revision, timestamps).
const SKIP = new Set(['revision', 'updated_at', 'created_at']);

function flatten(v, path, out) {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    // Empty objects and arrays count as absent: [] -> [x] reads as "added".
    const keys = Object.keys(v).filter((k) => !(path === '' && SKIP.has(k)));
    for (const k of keys) flatten(v[k], path ? `${path}.${k}` : k, out);
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => flatten(x, `${path}[${i}]`, out));
  } else {
    out.set(path, JSON.stringify(v));
  }
  return out;
}

// "environments.production.strategies[0].parameters.rollout" -> shorter.
function label(path) {
  return path.replace(/^environments\.([^.[]+)\.?/, '$1: ');
}

// [{path, before, after}] with before/after undefined for added/removed.
export function diff(before, after) {
  const a = before ? flatten(before, '', new Map()) : new Map();
  const b = after ? flatten(after, '', new Map()) : new Map();
  const paths = [...new Set([...a.keys(), ...b.keys()])];
  return paths.filter((p) => a.get(p) !== b.get(p))
    .map((p) => ({ path: label(p), before: a.get(p), after: b.get(p) }));
}
