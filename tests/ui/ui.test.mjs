// The web UI in a real browser: Debian's chromium driven by playwright-core
// against a real vexild (started by run.sh: VEXIL_URL, VEXIL_ADMIN_TOKEN,
// VX_SHOTS). Every check of an effect goes through the HTTP APIs a service
// or a script uses (evaluation with a client token, the admin API), not
// through the page. Each test saves a screenshot into VX_SHOTS.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import path from 'node:path';

import { chromium } from 'playwright-core';

const base = process.env.VEXIL_URL;
const adminToken = process.env.VEXIL_ADMIN_TOKEN;
const shots = process.env.VX_SHOTS;
if (!base || !adminToken || !shots) {
  throw new Error('run through tests/ui/run.sh (VEXIL_URL, VEXIL_ADMIN_TOKEN, VX_SHOTS)');
}

// ---- the APIs, as a script would use them

// Requests go out as any service's would: vexild's answers carry
// Keep-Alive: timeout=1, which Node's fetch honours, so it never reuses a
// connection the daemon is closing (tests/http/test_http_core.c).
const send = fetch;

async function api(method, p, body, token = adminToken) {
  const res = await send(base + p, {
    method,
    headers: { 'X-API-Key': token, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function adminOk(method, p, body) {
  const r = await api(method, p, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${p}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

let clientToken;
async function evaluate(key, context = {}) {
  const r = await api('POST', `/api/v1/evaluate/${encodeURIComponent(key)}`, { context }, clientToken);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

// ---- the browser

let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.VX_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  // A second environment, so rows show a switch per environment.
  await adminOk('POST', '/api/v1/admin/environments', { name: 'staging' });
  clientToken = (await adminOk('POST', '/api/v1/admin/tokens',
    { name: 'ui-tests', role: 'client', environment: 'production' })).secret;
});

after(async () => {
  if (browser) await browser.close();
});

async function newPage(width = 1280, height = 860) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.errors = errors;
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

async function signIn(page, hash = '') {
  await page.goto(`${base}/${hash}`);
  await page.getByLabel('Admin token').fill(adminToken);
  await page.getByLabel('Admin token').press('Enter');
  await page.locator('#nav').waitFor();
}

async function close(page) {
  assert.deepEqual(page.errors, [], 'no uncaught error in the page');
  await page.context().close();
}

async function createFlag(key, state = { enabled: false, strategies: [{ name: 'default' }] }, description = '') {
  return adminOk('POST', '/api/v1/admin/flags', { key, description, environments: { production: state } });
}

const row = (page, key) => page.locator(`li.flag-row[data-key="${key}"]`);

describe('the web UI', () => {
  test('a wrong token is refused with a message; the right one signs in; sign out forgets it', async () => {
    const page = await newPage();
    await page.goto(`${base}/`);
    const input = page.getByLabel('Admin token');
    await input.fill('not-the-token');
    await input.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await shot(page, 'signin-refused');
    await input.fill(adminToken);
    await input.press('Enter');
    await page.getByRole('heading', { name: 'Flags' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('vexil.adminToken')), adminToken);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await close(page);
  });

  test('a signed-in tab asks for the flag list before its modules are in, once each', async () => {
    await createFlag('ui-prefetch');
    const page = await newPage();
    await page.context().addInitScript((t) => sessionStorage.setItem('vexil.adminToken', t), adminToken);
    const asked = [];
    page.on('request', (r) => { const u = new URL(r.url()); asked.push(u.pathname + u.search); });
    // main.js is held until the list's data has been asked for: only
    // prefetch.js can ask for it then.
    let release;
    const held = new Promise((r) => { release = r; });
    await page.route('**/ui/js/main.js', async (route) => { await held; await route.continue(); });
    const flags = page.waitForRequest((r) => r.url().endsWith('/api/v1/admin/flags?archived=any'), { timeout: 5000 });
    await page.goto(`${base}/`, { waitUntil: 'commit' });
    await flags;
    release();
    await row(page, 'ui-prefetch').waitFor();
    for (const p of ['/api/v1/admin/flags?archived=any', '/api/v1/admin/audit?limit=30',
      '/api/v1/admin/environments', '/api/v1/admin/strategies']) {
      assert.equal(asked.filter((a) => a === p).length, 1, `${p} asked for once`);
    }
    await close(page);
  });

  test('one click on a switch turns the flag on for services, and off again', async () => {
    await createFlag('ui-toggle', { enabled: false, strategies: [{ name: 'default' }] }, 'Toggled from the list');
    assert.equal((await evaluate('ui-toggle')).enabled, false);
    const page = await newPage();
    await signIn(page);
    const sw = row(page, 'ui-toggle').getByRole('switch', { name: 'ui-toggle in production' });
    assert.equal(await sw.getAttribute('aria-checked'), 'false');
    await sw.click();
    await page.waitForFunction(() => document.querySelector('li[data-key="ui-toggle"] [role=switch][aria-label="ui-toggle in production"]')?.getAttribute('aria-checked') === 'true');
    assert.equal((await evaluate('ui-toggle')).enabled, true, 'on through the evaluation API');
    await shot(page, 'flag-list');
    await sw.click();
    await page.waitForFunction(() => document.querySelector('li[data-key="ui-toggle"] [role=switch][aria-label="ui-toggle in production"]')?.getAttribute('aria-checked') === 'false');
    assert.equal((await evaluate('ui-toggle')).enabled, false, 'off again');
    await close(page);
  });

  test('a flag created in the UI with a flexibleRollout at 25% is on for about a quarter of 1,000 users', async () => {
    const page = await newPage();
    await signIn(page);
    await page.getByRole('button', { name: 'New flag' }).click();
    await page.getByLabel('Key').fill('ui-rollout');
    await page.getByLabel('Description').fill('A quarter of the users');
    await page.getByRole('button', { name: 'Create flag' }).click();
    await page.getByRole('heading', { name: 'ui-rollout' }).waitFor();
    await page.getByLabel('Add a strategy').selectOption('flexibleRollout');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByLabel('rollout', { exact: true }).fill('25');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved ui-rollout').waitFor();
    await page.getByRole('switch', { name: 'ui-rollout in production' }).click();
    await page.waitForFunction(() => document.querySelector('[role=switch][aria-label="ui-rollout in production"]')?.getAttribute('aria-checked') === 'true');
    const flag = await adminOk('GET', '/api/v1/admin/flags/ui-rollout');
    assert.equal(flag.environments.production.strategies[0].name, 'flexibleRollout');
    assert.equal(flag.environments.production.strategies[0].parameters.rollout, '25');
    let on = 0;
    for (let i = 0; i < 1000; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, (_, j) => evaluate('ui-rollout', { userId: `user-${i + j}` })));
      on += batch.filter((d) => d.enabled).length;
    }
    assert.ok(on >= 200 && on <= 300, `${on} of 1000 users are on`);
    await shot(page, 'flag-editor');
    await close(page);
  });

  test('an invalid parameter shows the plugin\'s message next to the field and saves nothing', async () => {
    const before = await adminOk('GET', '/api/v1/admin/flags/ui-rollout');
    const page = await newPage();
    await signIn(page, '#/flags/ui-rollout');
    await page.getByLabel('rollout', { exact: true }).fill('140');
    await page.getByLabel('Add a strategy').selectOption('userWithId');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('button', { name: 'Save changes' }).click();
    const fieldBox = page.locator('[data-field="strategies[0].parameters.rollout"]');
    await fieldBox.locator('.field-error').filter({ hasText: 'rollout must be 0..100, got 140' }).waitFor();
    assert.equal(await fieldBox.locator('input[type=number]').getAttribute('aria-invalid'), 'true');
    await shot(page, 'validation-error');
    const now = await adminOk('GET', '/api/v1/admin/flags/ui-rollout');
    assert.equal(now.revision, before.revision, 'no new revision');
    assert.deepEqual(now.environments, before.environments, 'nothing saved, not even the added strategy');
    await close(page);
  });

  test('a misspelt parameter name kept by an import is shown, refused next to it on save, and fixable', async () => {
    // An import keeps "timezone" (for timeZone) with a warning; an edit
    // that saves it is refused, next to the field the form shows for it.
    const imported = await adminOk('POST', '/api/v1/admin/import?format=unleash&environment=production',
      { version: 1, features: [{ name: 'ui-window', enabled: true, strategies: [{ name: 'timeWindow',
        parameters: { start: '00:00', end: '23:59', timezone: 'Europe/Paris' } }] }] });
    assert.match(JSON.stringify(imported.warnings), /unknown parameter \\"timezone\\"/);
    const before = await adminOk('GET', '/api/v1/admin/flags/ui-window');
    const page = await newPage();
    await signIn(page, '#/flags/ui-window');
    const misspelt = page.locator('[data-field="strategies[0].parameters.timezone"]');
    await misspelt.getByText('not declared by the plugin').waitFor();
    await page.getByLabel('end', { exact: true }).fill('22:00');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await misspelt.locator('.field-error').filter({ hasText: 'did you mean "timeZone"?' }).waitFor();
    assert.equal((await adminOk('GET', '/api/v1/admin/flags/ui-window')).revision, before.revision, 'nothing saved');
    await shot(page, 'unknown-parameter');
    // Clearing the misspelt one and filling the right one saves.
    await misspelt.locator('input').fill('');
    await page.getByLabel('timeZone (optional)', { exact: true }).fill('Europe/Paris');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText(/Saved ui-window in production/).waitFor();
    const params = (await adminOk('GET', '/api/v1/admin/flags/ui-window')).environments.production.strategies[0].parameters;
    assert.deepEqual(params, { start: '00:00', end: '22:00', timeZone: 'Europe/Paris' });
    await close(page);
  });

  test('revert from the history restores the state before the entry', async () => {
    await createFlag('ui-revert', { enabled: true, strategies: [{ name: 'userWithId', parameters: { userIds: 'alice' } }] });
    await adminOk('PUT', '/api/v1/admin/flags/ui-revert/environments/production/strategies/0',
      { name: 'userWithId', parameters: { userIds: 'alice,bob,carol' } });
    assert.equal((await evaluate('ui-revert', { userId: 'bob' })).enabled, true);
    const page = await newPage();
    await signIn(page, '#/history');
    const entry = page.locator('.audit-entry').filter({ hasText: 'ui-revert' }).first();
    await entry.getByText('"alice,bob,carol"').waitFor();
    await entry.getByRole('button', { name: /^Revert/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revert' }).click();
    await page.getByText(/Reverted: ui-revert/).waitFor();
    const flag = await adminOk('GET', '/api/v1/admin/flags/ui-revert');
    assert.equal(flag.environments.production.strategies[0].parameters.userIds, 'alice');
    assert.equal((await evaluate('ui-revert', { userId: 'bob' })).enabled, false, 'bob is out again');
    assert.equal((await evaluate('ui-revert', { userId: 'alice' })).enabled, true);
    await page.locator('.audit-entry').filter({ hasText: 'revert' }).first().waitFor();
    const ids = await page.locator('.audit-entry').evaluateAll((els) => els.map((e) => e.dataset.id));
    assert.equal(new Set(ids).size, ids.length, 'each entry is listed once');
    await shot(page, 'history');
    await close(page);
  });

  test('a strategy from a plugin the UI has never heard of gets its form from the parameter table', async () => {
    await createFlag('ui-plugin', { enabled: true, strategies: [] });
    const page = await newPage();
    await signIn(page, '#/flags/ui-plugin');
    await page.getByLabel('Add a strategy').selectOption('uiShowcase');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const at = (name) => page.locator(`[data-field="strategies[0].parameters.${name}"]`);
    // One control per declared type.
    assert.equal(await at('label').getByLabel('label', { exact: true }).getAttribute('type'), 'text');
    assert.equal(await at('share').locator('input[type=range]').count(), 1, 'a slider for a percentage');
    assert.equal(await at('share').getByLabel('share (optional)').getAttribute('type'), 'number');
    assert.equal(await at('regions').locator('.tag-editor').count(), 1, 'a tag editor for a list');
    assert.equal(await at('level').getByLabel('level (optional)').getAttribute('type'), 'number');
    assert.equal(await at('loud').getByLabel('loud (optional)').getAttribute('type'), 'checkbox');
    await at('label').getByLabel('label', { exact: true }).fill('Demo');
    await at('share').getByLabel('share (optional)').fill('30');
    const tags = at('regions').getByLabel('regions (optional)');
    await tags.fill('eu');
    await tags.press('Enter');
    await tags.fill('us');
    await tags.press('Enter');
    await at('level').getByLabel('level (optional)').fill('42');
    await at('loud').getByLabel('loud (optional)').check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await at('level').locator('.field-error').filter({ hasText: 'level must be 0..10, got 42' }).waitFor();
    assert.deepEqual((await adminOk('GET', '/api/v1/admin/flags/ui-plugin')).environments.production.strategies, [],
      'nothing saved');
    await shot(page, 'plugin-form');
    await at('level').getByLabel('level (optional)').fill('3');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved ui-plugin').waitFor();
    const saved = (await adminOk('GET', '/api/v1/admin/flags/ui-plugin')).environments.production.strategies[0];
    assert.equal(saved.name, 'uiShowcase');
    assert.deepEqual(saved.parameters, { label: 'Demo', share: '30', regions: 'eu,us', level: '3', loud: 'true' });
    assert.equal((await evaluate('ui-plugin', { userId: 'x' })).enabled, true, 'the plugin decides');
    await close(page);
  });

  test('a bad regex and a dependency cycle are shown at their fields; variants with weights are saved', async () => {
    await createFlag('ui-parent', { enabled: true, strategies: [{ name: 'default' }] });
    await createFlag('ui-child', { enabled: true, strategies: [], dependencies: [{ feature: 'ui-parent' }] });
    const page = await newPage();
    await signIn(page, '#/flags/ui-parent');
    const before = await adminOk('GET', '/api/v1/admin/flags/ui-parent');
    await page.getByText('Constraints (0)').click();
    await page.getByRole('button', { name: '+ Constraint' }).click();
    const con = page.locator('[data-field="strategies[0].constraints[0]"]');
    await con.getByLabel('Context field').fill('email');
    await con.getByLabel('Operator').selectOption('REGEX');
    await con.getByLabel('Value', { exact: true }).fill('(a');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await con.locator('.field-error').filter({ hasText: 'missing closing parenthesis' }).waitFor();
    await shot(page, 'bad-regex');
    await con.getByLabel('Value', { exact: true }).fill('@example\\.com$');
    await page.getByRole('button', { name: '+ Dependency' }).click();
    await page.getByLabel('Parent flag').fill('ui-child');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('[data-field="dependencies"] > .field-error').filter({ hasText: 'depends on' }).waitFor();
    await shot(page, 'dependency-cycle');
    let now = await adminOk('GET', '/api/v1/admin/flags/ui-parent');
    assert.equal(now.revision, before.revision, 'nothing saved');
    await page.getByRole('button', { name: 'Remove dependency 1' }).click();
    await page.getByRole('button', { name: '+ Variant' }).last().click();
    await page.getByRole('button', { name: '+ Variant' }).last().click();
    const variants = page.locator('.block .variants').last().locator('fieldset.variant');
    await variants.nth(0).getByLabel('Name').fill('blue');
    await variants.nth(0).getByLabel(/^Weight/).fill('50');
    await variants.nth(1).getByLabel('Name').fill('green');
    await variants.nth(1).getByLabel(/^Weight/).fill('50');
    await variants.nth(1).getByLabel(/^Weight/).press('Tab');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved ui-parent').waitFor();
    now = await adminOk('GET', '/api/v1/admin/flags/ui-parent');
    assert.deepEqual(now.environments.production.variants.map((v) => [v.name, v.weight]), [['blue', 50], ['green', 50]]);
    const seen = new Set();
    for (let i = 0; i < 40; i++) {
      const d = await evaluate('ui-parent', { userId: `u${i}`, properties: { email: `u${i}@example.com` } });
      assert.equal(d.enabled, true);
      seen.add(d.variant.name);
    }
    assert.deepEqual([...seen].sort(), ['blue', 'green'], 'both variants are served');
    assert.equal((await evaluate('ui-parent', { userId: 'u1', properties: { email: 'u1@other.org' } })).enabled, false,
      'the regex constraint holds');
    await close(page);
  });

  test('a change made through the API appears on an open page without a reload', async () => {
    await createFlag('ui-live', { enabled: false, strategies: [] }, 'Changed behind the page');
    const page = await newPage();
    await signIn(page);
    await page.locator('#live[data-state="live"]').waitFor();
    const sw = row(page, 'ui-live').getByRole('switch', { name: 'ui-live in production' });
    assert.equal(await sw.getAttribute('aria-checked'), 'false');
    await page.evaluate(() => { window.notReloaded = true; });
    await adminOk('POST', '/api/v1/admin/flags/ui-live/environments/production/on');
    await page.waitForFunction(() => document.querySelector('li[data-key="ui-live"] [role=switch][aria-label="ui-live in production"]')?.getAttribute('aria-checked') === 'true', null, { timeout: 5000 });
    assert.equal(await page.evaluate(() => window.notReloaded), true, 'the same page, not a reload');
    // On the flag page too; and an edit based on the old revision gets the
    // 409 explained instead of overwriting.
    await page.goto(`${base}/#/flags/ui-live`);
    await page.getByRole('heading', { name: 'ui-live' }).waitFor();
    await adminOk('PATCH', '/api/v1/admin/flags/ui-live', { description: 'Changed again' });
    await page.getByText('Updated: someone changed this flag').waitFor();
    assert.equal(await page.getByLabel('Description').inputValue(), 'Changed again');
    await page.getByLabel('Add a strategy').selectOption('default');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await adminOk('POST', '/api/v1/admin/flags/ui-live/environments/production/off');
    await page.getByText(/while you were editing/).waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('alert').filter({ hasText: 'Not saved' }).filter({ hasText: 'overwrite' }).waitFor();
    const flag = await adminOk('GET', '/api/v1/admin/flags/ui-live');
    assert.deepEqual(flag.environments.production.strategies, [], 'the stale edit was not saved');
    await shot(page, 'live-conflict');
    await close(page);
  });

  test('a change made while the page connects to the stream is not missed', async () => {
    await createFlag('ui-gap', { enabled: false, strategies: [] }, 'Changed in the gap');
    const page = await newPage();
    // The stream is held back; the change lands after the list was read
    // and before the stream starts, so no event will ever carry it.
    let release;
    const held = new Promise((r) => { release = r; });
    await page.route('**/api/v1/stream', async (route) => { await held; await route.continue(); });
    await signIn(page);
    const sw = row(page, 'ui-gap').getByRole('switch', { name: 'ui-gap in production' });
    await sw.waitFor();
    assert.equal(await sw.getAttribute('aria-checked'), 'false');
    await adminOk('POST', '/api/v1/admin/flags/ui-gap/environments/production/on');
    release();
    await page.waitForFunction(() => document.querySelector('li[data-key="ui-gap"] [role=switch][aria-label="ui-gap in production"]')?.getAttribute('aria-checked') === 'true', null, { timeout: 5000 });
    await close(page);
  });

  test('the playground shows the decision, the variant and why', async () => {
    await createFlag('ui-try', {
      enabled: true,
      strategies: [
        { name: 'default', constraints: [{ contextName: 'country', operator: 'IN', values: ['NO', 'SE'] }] },
        { name: 'userWithId', parameters: { userIds: 'alice' } },
      ],
    });
    const page = await newPage();
    await signIn(page, '#/flags/ui-try');
    const pg = page.locator('form.playground');
    await pg.getByLabel('User id').fill('bob');
    await pg.getByLabel(/Properties/).fill('country=DK');
    await pg.getByRole('button', { name: 'Evaluate' }).click();
    await pg.locator('.decision.off').waitFor();
    await pg.getByText('none of its 2 strategies').waitFor();
    await pg.getByText(/country IN NO, SE \(context has “DK”\)/).waitFor();
    await pg.getByLabel(/Properties/).fill('country=NO');
    await pg.getByRole('button', { name: 'Evaluate' }).click();
    await pg.getByText('strategy 1 (default) decided').waitFor();
    assert.equal((await evaluate('ui-try', { userId: 'bob', properties: { country: 'NO' } })).enabled, true);
    await shot(page, 'playground');
    await close(page);
  });

  test('a client token is created with its secret shown once, works, and stops working when revoked', async () => {
    const page = await newPage();
    await signIn(page, '#/tokens');
    await page.getByLabel('Name').fill('checkout-service');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.locator('#tok-secret').inputValue();
    assert.match(secret, /^vx_/);
    assert.equal((await api('POST', '/api/v1/evaluate/ui-try', { context: {} }, secret)).status, 200);
    await shot(page, 'tokens');
    await page.reload();
    await page.locator('table.tokens').getByText('checkout-service').waitFor();
    assert.equal(await page.locator('#tok-secret').count(), 0, 'the secret is not shown again');
    assert.ok(!(await page.content()).includes(secret));
    await page.getByRole('button', { name: 'Revoke checkout-service' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.locator('table.tokens tr.revoked').filter({ hasText: 'checkout-service' }).waitFor();
    assert.equal((await api('POST', '/api/v1/evaluate/ui-try', { context: {} }, secret)).status, 401);
    await close(page);
  });

  test('the last admin token cannot be revoked, and the page says why before the click', async () => {
    await api('POST', '/api/v1/evaluate/ui-try', { context: {} }, clientToken); // a use to show
    const page = await newPage();
    await signIn(page, '#/tokens');
    const revokeAdmin = page.getByRole('button', { name: 'Revoke admin', exact: true });
    await revokeAdmin.waitFor();
    assert.ok(await revokeAdmin.isDisabled(), 'the only admin token has no active revoke button');
    const why = page.getByText('The last admin token cannot be revoked: create another admin token first.');
    assert.ok(await why.isVisible(), 'the reason is shown, not only on hover');
    assert.equal(await revokeAdmin.getAttribute('aria-describedby'), await why.getAttribute('id'));
    // The last use of each token is on the page.
    const used = page.locator('table.tokens tr').filter({ hasText: 'ui-tests' });
    assert.match(await used.innerText(), /just now|min ago/);
    await shot(page, 'tokens-last-admin');

    // A second admin token: now either may go.
    await page.getByLabel('Name').fill('ui-second-admin');
    await page.getByLabel('Role').selectOption('admin');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.locator('#tok-secret').waitFor();
    await page.waitForFunction(() => document.querySelector('button[aria-label="Revoke admin"]')?.disabled === false);
    assert.equal(await why.count(), 0);
    await page.getByRole('button', { name: 'Revoke ui-second-admin' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.locator('table.tokens tr.revoked').filter({ hasText: 'ui-second-admin' }).waitFor();
    await page.waitForFunction(() => document.querySelector('button[aria-label="Revoke admin"]')?.disabled === true);

    // The rule is the server's: asked anyway, it refuses.
    const first = (await adminOk('GET', '/api/v1/admin/tokens')).tokens.find((t) => t.name === 'admin' && t.role === 'admin');
    const r = await api('DELETE', `/api/v1/admin/tokens/${first.id}`);
    assert.equal(r.status, 409);
    assert.equal(r.json.code, 'LAST_ADMIN');
    assert.equal((await api('GET', '/api/v1/admin/tokens')).status, 200, 'the admin token still works');
    await close(page);
  });

  test('archive and restore a flag', async () => {
    await createFlag('ui-archive');
    const page = await newPage();
    await signIn(page, '#/flags/ui-archive');
    await page.getByRole('button', { name: 'Archive', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Archive', exact: true }).click();
    await page.getByRole('button', { name: 'Restore', exact: true }).waitFor();
    assert.equal((await adminOk('GET', '/api/v1/admin/flags/ui-archive')).archived, true);
    assert.equal((await api('POST', '/api/v1/evaluate/ui-archive', { context: {} }, clientToken)).status, 404,
      'services no longer find it');
    await shot(page, 'archived');
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await page.getByRole('button', { name: 'Archive', exact: true }).waitFor();
    assert.equal((await adminOk('GET', '/api/v1/admin/flags/ui-archive')).archived, false);
    // The list, with every flag the tests made (for the README).
    await page.goto(`${base}/#/flags`);
    await row(page, 'ui-archive').waitFor();
    await page.evaluate(() => document.getElementById('toasts').replaceChildren()); // a clean picture
    await shot(page, 'flag-list-all');
    await close(page);
  });

  test('at phone width (390 px) no page scrolls sideways', async () => {
    const page = await newPage(390, 844);
    await signIn(page);
    for (const hash of ['#/flags', '#/flags/ui-try', '#/history', '#/tokens']) {
      await page.goto(`${base}/${hash}`);
      await page.locator('main h1, main h2').first().waitFor();
      // Loaded: no spinner left.
      await page.waitForFunction(() => !document.querySelector('main .loading'));
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= 390, `${hash} is ${wide} px wide`);
      await shot(page, `phone-${hash.replace(/[#/]+/g, '-').replace(/^-|-$/g, '')}`);
    }
    await close(page);
  });
});
