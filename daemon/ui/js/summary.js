// summary.js - one line saying what rollout a flag has in an environment:
// "flexibleRollout 25%", "userWithId: alice, bob", "2 constraints",
// "variants blue 50 / green 50". Strategy names come from the flag, so a
// strategy from a new plugin is summarised by its name and parameters.

function params(s) {
  const p = s.parameters || {};
  const pct = p.rollout ?? p.percentage;
  if (pct !== undefined) return `${pct}%`;
  const vals = Object.entries(p).filter(([k]) => k !== 'groupId' && k !== 'stickiness');
  if (!vals.length) return '';
  const [, v] = vals[0];
  const text = String(v);
  return `: ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}

export function strategyText(s) {
  const bits = [`${s.name}${params(s).startsWith(':') ? '' : ' '}${params(s)}`.trim()];
  const c = (s.constraints || []).length + (s.segments || []).length;
  if (c) bits.push(`${c} condition${c > 1 ? 's' : ''}`);
  return bits.join(', ');
}

export function rolloutText(state) {
  if (!state) return 'not set up';
  const strategies = state.strategies || [];
  const parts = strategies.length ? strategies.map(strategyText) : ['on for everyone when enabled'];
  const variants = state.variants || [];
  if (variants.length) parts.push(`variants ${variants.map((v) => `${v.name} ${v.weight ?? ''}`.trim()).join(' / ')}`);
  if ((state.dependencies || []).length) parts.push(`needs ${state.dependencies.map((d) => d.feature).join(', ')}`);
  return parts.join(' · ');
}
