import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createHttpApp } from '../app.ts';
import type { KeyringOperation, KeyringResponse } from '../context.ts';
import { createTestContext } from '../testing/test-context.ts';
import { keyringErrors, operatorRoutes } from './operator.ts';

const KEY = 'pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=';

function response(overrides: Partial<KeyringResponse> = {}): KeyringResponse {
  return {
    WAN: false,
    Datacenter: 'dc1',
    Segment: '',
    Messages: {},
    Keys: { [KEY]: 2 },
    PrimaryKeys: { [KEY]: 2 },
    NumNodes: 2,
    Error: '',
    ...overrides,
  };
}

async function start(t: TestContext, answer: (operation: KeyringOperation) => KeyringResponse[]) {
  const calls: [KeyringOperation, string | undefined][] = [];
  const harness = await createTestContext({
    agent: {
      keyring: async (operation, key) => {
        calls.push([operation, key]);
        return answer(operation);
      },
    },
  });
  const app = createHttpApp(harness.context, operatorRoutes());
  t.after(async () => {
    await app.close();
    await harness.close();
  });
  return { app, calls };
}

describe('/v1/operator/keyring', () => {
  it('lists every pool, WAN first, in Consul’s shape', async (t) => {
    const pools = [
      response({ WAN: true, NumNodes: 1, Keys: { [KEY]: 1 }, PrimaryKeys: { [KEY]: 1 } }),
      response(),
    ];
    const { app, calls } = await start(t, () => pools);
    const listed = await app.inject({ url: '/v1/operator/keyring' });
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(listed.json(), pools);
    assert.deepEqual(calls, [['list', undefined]]);
  });

  it('installs with POST, uses with PUT and removes with DELETE, answering an empty 200', async (t) => {
    const { app, calls } = await start(t, () => [response()]);
    for (const method of ['POST', 'PUT', 'DELETE'] as const) {
      const answer = await app.inject({ method, url: '/v1/operator/keyring', payload: { Key: KEY } });
      assert.equal(answer.statusCode, 200, method);
      assert.equal(answer.body, '');
    }
    assert.deepEqual(calls, [
      ['install', KEY],
      ['use', KEY],
      ['remove', KEY],
    ]);
  });

  it('answers 500 with every pool error and node message', async (t) => {
    const { app } = await start(t, () => [
      response({ WAN: true, Error: '1/2 nodes reported failure', Messages: { 'n2.dc1': 'Key not found' } }),
      response(),
    ]);
    const answer = await app.inject({ method: 'DELETE', url: '/v1/operator/keyring', payload: { Key: KEY } });
    assert.equal(answer.statusCode, 500);
    assert.equal(
      answer.body.trim(),
      '2 errors occurred:\n\t* WAN error: 1/2 nodes reported failure\n\t* n2.dc1: Key not found',
    );
  });

  it('refuses a body that is not JSON, a bad relay factor, and local-only on a write', async (t) => {
    const { app, calls } = await start(t, () => [response()]);
    const badBody = await app.inject({ method: 'POST', url: '/v1/operator/keyring', payload: '{' });
    assert.equal(badBody.statusCode, 400);
    assert.match(badBody.body, /^Request decode failed: /);
    const relay = await app.inject({ url: '/v1/operator/keyring?relay-factor=9' });
    assert.equal(relay.statusCode, 400);
    assert.equal(relay.body, 'Invalid relay-factor: Relay factor must be in range: [0, 5]');
    const local = await app.inject({
      method: 'PUT',
      url: '/v1/operator/keyring?local-only=true',
      payload: { Key: KEY },
    });
    assert.equal(local.statusCode, 400);
    assert.equal(local.body, 'local-only can only be used for GET requests');
    assert.deepEqual(calls, []);
  });
});

describe('keyringErrors', () => {
  it('is undefined when every pool succeeded, and names the LAN pool by datacenter', () => {
    assert.equal(keyringErrors([response(), response({ WAN: true })]), undefined);
    assert.equal(
      keyringErrors([response({ Error: 'illegal base64 data at input byte 4' })]),
      '1 error occurred:\n\t* dc1 (LAN) error: illegal base64 data at input byte 4\n\n',
    );
  });
});
