import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveClientConfig } from './http-settings.ts';

describe('resolveClientConfig', () => {
  it('defaults to the local agent', () => {
    assert.deepEqual(resolveClientConfig({}, {}), { address: '127.0.0.1:8500' });
  });

  it('prefers the flag, then CAIRN_HTTP_ADDR, then CONSUL_HTTP_ADDR', () => {
    const env = { CAIRN_HTTP_ADDR: 'cairn:1', CONSUL_HTTP_ADDR: 'consul:2' };
    assert.equal(resolveClientConfig({ httpAddr: 'flag:3' }, env).address, 'flag:3');
    assert.equal(resolveClientConfig({}, env).address, 'cairn:1');
    assert.equal(resolveClientConfig({}, { CONSUL_HTTP_ADDR: 'consul:2' }).address, 'consul:2');
  });

  it('takes the token from the flag or the environment', () => {
    assert.equal(resolveClientConfig({ token: 'f' }, { CONSUL_HTTP_TOKEN: 'e' }).token, 'f');
    assert.equal(resolveClientConfig({}, { CONSUL_HTTP_TOKEN: 'e' }).token, 'e');
  });

  it('uses https for a bare address when CONSUL_HTTP_SSL is true', () => {
    assert.equal(resolveClientConfig({}, { CONSUL_HTTP_SSL: 'true' }).address, 'https://127.0.0.1:8500');
    assert.equal(
      resolveClientConfig({ httpAddr: 'http://x:1' }, { CONSUL_HTTP_SSL: '1' }).address,
      'http://x:1',
    );
  });

  it('passes the datacenter flag on', () => {
    assert.equal(resolveClientConfig({ datacenter: 'dc2' }, {}).datacenter, 'dc2');
  });
});
