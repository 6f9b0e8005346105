// The OpenFeature server SDK with its OFREP provider, unchanged, against a
// real vexild (started by run.sh: VEXIL_URL, VEXIL_ADMIN_TOKEN). Flags are
// imported through the admin API; evaluations go through the SDK only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { OFREPProvider } from '@openfeature/ofrep-provider';
import { ErrorCode, OpenFeature } from '@openfeature/server-sdk';

const base = process.env.VEXIL_URL;
const adminToken = process.env.VEXIL_ADMIN_TOKEN;
if (!base || !adminToken) {
  throw new Error('run through tests/e2e/run.sh (VEXIL_URL, VEXIL_ADMIN_TOKEN)');
}

// An Unleash state: boolean, string, number and object flags, disabled
// ones, and a targeted one.
const state = {
  version: 1,
  features: [
    { name: 'checkout', enabled: true, strategies: [{ name: 'default' }] },
    {
      name: 'beta',
      enabled: true,
      strategies: [{ name: 'userWithId', parameters: { userIds: 'alice,carol' } }],
    },
    {
      name: 'nordics',
      enabled: true,
      strategies: [
        {
          name: 'default',
          constraints: [{ contextName: 'country', operator: 'IN', values: ['NO', 'SE'] }],
        },
      ],
    },
    { name: 'killed', enabled: false, strategies: [{ name: 'default' }] },
    {
      name: 'banner',
      enabled: true,
      strategies: [{ name: 'default' }],
      variants: [{ name: 'spring', weight: 1000, payload: { type: 'string', value: 'Spring sale' } }],
    },
    {
      name: 'banner-off',
      enabled: false,
      strategies: [{ name: 'default' }],
      variants: [{ name: 'summer', weight: 1000, payload: { type: 'string', value: 'Summer sale' } }],
    },
    {
      name: 'limit',
      enabled: true,
      strategies: [{ name: 'default' }],
      variants: [{ name: 'ten', weight: 1000, payload: { type: 'number', value: '10' } }],
    },
    {
      name: 'ratio',
      enabled: true,
      strategies: [{ name: 'default' }],
      variants: [{ name: 'third', weight: 1000, payload: { type: 'number', value: '0.25' } }],
    },
    {
      name: 'theme',
      enabled: true,
      strategies: [{ name: 'default' }],
      variants: [
        {
          name: 'dark',
          weight: 1000,
          payload: { type: 'json', value: '{"bg": "#000", "sizes": [1, 2], "round": true}' },
        },
      ],
    },
    {
      name: 'vip-colour',
      enabled: true,
      strategies: [{ name: 'default' }],
      variants: [
        {
          name: 'gold',
          weight: 0,
          payload: { type: 'string', value: 'gold' },
          overrides: [{ contextName: 'userId', values: ['alice'] }],
        },
        { name: 'grey', weight: 1000, payload: { type: 'string', value: 'grey' } },
      ],
    },
  ],
};

async function admin(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'X-API-Key': adminToken, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

let client; // X-API-Key
let bearerClient; // Authorization: Bearer

before(async () => {
  await admin('POST', '/api/v1/admin/import?format=unleash&environment=production&mode=replace', state);
  const token = await admin('POST', '/api/v1/admin/tokens', {
    name: 'e2e-service',
    role: 'client',
    environment: 'production',
  });
  await OpenFeature.setProviderAndWait(
    'api-key',
    new OFREPProvider({ baseUrl: base, headers: { 'X-API-Key': token.secret } }),
  );
  await OpenFeature.setProviderAndWait(
    'bearer',
    new OFREPProvider({ baseUrl: base, headers: { Authorization: `Bearer ${token.secret}` } }),
  );
  client = OpenFeature.getClient('api-key');
  bearerClient = OpenFeature.getClient('bearer');
});

after(async () => {
  await OpenFeature.close();
});

describe('OFREP through the OpenFeature server SDK', () => {
  test('a boolean flag', async () => {
    const d = await client.getBooleanDetails('checkout', false, { targetingKey: 'u-1' });
    assert.equal(d.value, true);
    assert.equal(d.reason, 'STATIC');
    assert.equal(d.errorCode, undefined);
    assert.equal(typeof d.flagMetadata.revision, 'number');
  });

  test('a bearer token works the same', async () => {
    const d = await bearerClient.getBooleanDetails('checkout', false, { targetingKey: 'u-1' });
    assert.equal(d.value, true);
    assert.equal(d.errorCode, undefined);
  });

  test('a string flag', async () => {
    const d = await client.getStringDetails('banner', 'none', { targetingKey: 'u-1' });
    assert.equal(d.value, 'Spring sale');
    assert.equal(d.variant, 'spring');
    assert.equal(d.reason, 'STATIC');
  });

  test('number flags, integer and real', async () => {
    assert.equal(await client.getNumberValue('limit', 0, { targetingKey: 'u-1' }), 10);
    assert.equal(await client.getNumberValue('ratio', 0, { targetingKey: 'u-1' }), 0.25);
  });

  test('an object flag', async () => {
    const v = await client.getObjectValue('theme', {}, { targetingKey: 'u-1' });
    assert.deepEqual(v, { bg: '#000', sizes: [1, 2], round: true });
  });

  test('a disabled boolean flag answers false, DISABLED', async () => {
    const d = await client.getBooleanDetails('killed', true, { targetingKey: 'u-1' });
    assert.equal(d.value, false);
    assert.equal(d.reason, 'DISABLED');
  });

  test('a disabled variant flag gives back the default value', async () => {
    const d = await client.getStringDetails('banner-off', 'code default', { targetingKey: 'u-1' });
    assert.equal(d.value, 'code default');
  });

  test('a missing flag is FLAG_NOT_FOUND and gives back the default', async () => {
    const d = await client.getBooleanDetails('no-such-flag', true, { targetingKey: 'u-1' });
    assert.equal(d.value, true);
    assert.equal(d.errorCode, ErrorCode.FLAG_NOT_FOUND);
    assert.equal(d.reason, 'ERROR');
  });

  test('a user list: targeting match for alice, default for bob', async () => {
    const yes = await client.getBooleanDetails('beta', false, { targetingKey: 'alice' });
    assert.equal(yes.value, true);
    assert.equal(yes.reason, 'TARGETING_MATCH');
    const no = await client.getBooleanDetails('beta', true, { targetingKey: 'bob' });
    assert.equal(no.value, false);
    assert.equal(no.reason, 'DEFAULT');
  });

  test('a constraint on a context attribute', async () => {
    const yes = await client.getBooleanDetails('nordics', false, { targetingKey: 'x', country: 'SE' });
    assert.equal(yes.value, true);
    assert.equal(yes.reason, 'TARGETING_MATCH');
    const no = await client.getBooleanDetails('nordics', true, { targetingKey: 'x', country: 'DE' });
    assert.equal(no.value, false);
  });

  test('a variant override is a targeting match', async () => {
    const d = await client.getStringDetails('vip-colour', 'none', { targetingKey: 'alice' });
    assert.equal(d.value, 'gold');
    assert.equal(d.reason, 'TARGETING_MATCH');
    assert.equal(await client.getStringValue('vip-colour', 'none', { targetingKey: 'bob' }), 'grey');
  });

  test('a wrong type gives back the default with TYPE_MISMATCH', async () => {
    const d = await client.getNumberDetails('banner', 7, { targetingKey: 'u-1' });
    assert.equal(d.value, 7);
    assert.equal(d.errorCode, ErrorCode.TYPE_MISMATCH);
  });

  test('an object in the context is INVALID_CONTEXT', async () => {
    const d = await client.getBooleanDetails('checkout', false, { targetingKey: 'u', address: { city: 'Oslo' } });
    assert.equal(d.value, false);
    assert.equal(d.errorCode, ErrorCode.INVALID_CONTEXT);
  });
});
