// errors.js - puts a server's refusal next to the field it concerns. The
// admin API names the place in "field", e.g.
// "environments.production.strategies[0].parameters.rollout"; editors mark
// their parts with data-field paths relative to the environment
// ("strategies[0].parameters.rollout"); the longest marked prefix of the
// error's path gets the message.

export function clearFieldErrors(root) {
  root.querySelectorAll('.field-error').forEach((e) => { e.textContent = ''; });
  root.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  root.querySelectorAll('.has-error').forEach((e) => e.classList.remove('has-error'));
}

// Shows err in the element of root whose data-field is the longest prefix
// of path (after removing strip). Returns that element, or null.
export function showFieldError(root, path, message, strip = '') {
  let p = path || '';
  if (strip && p.startsWith(strip)) p = p.slice(strip.length);
  let best = null;
  let bestLen = -1;
  root.querySelectorAll('[data-field]').forEach((el) => {
    const f = el.dataset.field;
    const fits = p === f || p.startsWith(`${f}.`) || p.startsWith(`${f}[`) || f === '';
    if (fits && f.length > bestLen) {
      best = el;
      bestLen = f.length;
    }
  });
  if (!best) return null;
  best.classList.add('has-error');
  const slot = [...best.querySelectorAll('.field-error')].find((e) => e.closest('[data-field]') === best);
  if (slot) slot.textContent = message;
  best.querySelectorAll('input:not([aria-hidden]), select, textarea').forEach((input) => {
    if (input.closest('[data-field]') === best) input.setAttribute('aria-invalid', 'true');
  });
  best.scrollIntoView({ block: 'center', behavior: 'instant' });
  return best;
}
