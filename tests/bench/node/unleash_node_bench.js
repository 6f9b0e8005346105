// The same flags and contexts as tests/bench/bench_eval.c, decided by
// Unleash's own Node client (its UnleashClient, strategies and
// constraint code, with an in-memory repository: no network), so that the
// figures in docs/benchmarks.md compare like with like.
//   cd tests/bench/node && npm install && node unleash_node_bench.js [SECONDS]
'use strict';
const UnleashClient = require('unleash-client/lib/client').default;
const { defaultStrategies } = require('unleash-client/lib/strategy');

const seconds = Number(process.argv[2] || 2);
const countries = Array.from({ length: 100 }, (_, i) => `C${String(i).padStart(2, '0')}`);
const toggles = {
  'bench-default': { name: 'bench-default', enabled: true, strategies: [{ name: 'default', parameters: {} }] },
  'bench-rollout': {
    name: 'bench-rollout', enabled: true,
    strategies: [{ name: 'flexibleRollout', parameters: { rollout: '50', stickiness: 'default', groupId: 'bench-rollout' } }],
  },
  'bench-constraints': {
    name: 'bench-constraints', enabled: true,
    strategies: [{
      name: 'default', parameters: {},
      constraints: [
        { contextName: 'email', operator: 'REGEX', value: '^[a-z0-9.]+@(example|test)\\.com$' },
        { contextName: 'appVersion', operator: 'SEMVER_GTE', value: '2.0.0' },
        { contextName: 'country', operator: 'IN', values: countries },
        { contextName: 'email', operator: 'STR_ENDS_WITH', values: ['.com'] },
        { contextName: 'age', operator: 'NUM_GT', value: '17' },
      ],
    }],
  },
  'bench-variants': {
    name: 'bench-variants', enabled: true, strategies: [{ name: 'default', parameters: {} }],
    variants: [
      { name: 'red', weight: 34, payload: { type: 'string', value: '#f00' } },
      { name: 'green', weight: 33, payload: { type: 'string', value: '#0f0' } },
      { name: 'blue', weight: 33, payload: { type: 'string', value: '#00f' } },
    ],
  },
};
const repository = { getToggle: (n) => toggles[n], getSegment: () => undefined };
const client = new UnleashClient(repository, defaultStrategies);
const contexts = Array.from({ length: 1024 }, (_, i) => ({
  userId: `user-${i}`, sessionId: `s-${i}`,
  properties: { email: `user${i}@example.com`, appVersion: `2.${i % 7}.0`, country: `C${String(i % 100).padStart(2, '0')}`, age: String(18 + (i % 50)) },
}));

function measure(flag, variants) {
  let n = 0; let on = 0;
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  for (;;) {
    for (let i = 0; i < 4096; i++) {
      const ctx = contexts[(n + i) & 1023];
      if (variants) on += client.getVariant(flag, ctx).enabled ? 1 : 0;
      else on += client.isEnabled(flag, ctx) ? 1 : 0;
    }
    n += 4096;
    if (process.hrtime.bigint() >= end) break;
  }
  const ns = Number(process.hrtime.bigint() - start) / n;
  return { rate: 1e9 / ns, ns, share: on / n };
}

console.log('| case | evaluations/s | ns/evaluation | share on |');
console.log('|---|---|---|---|');
for (const [flag, label, variants] of [
  ['bench-default', 'default', false],
  ['bench-rollout', 'flexibleRollout 50%', false],
  ['bench-constraints', '5 constraints (REGEX, SEMVER, IN x100, ...)', false],
  ['bench-variants', 'default + 3 variants (getVariant)', true],
]) {
  measure(flag, variants); // warm-up: let the JIT settle
  const r = measure(flag, variants);
  console.log(`| ${label} | ${(r.rate / 1e6).toFixed(2)} M | ${r.ns.toFixed(1)} | ${r.share.toFixed(2)} |`);
}
