import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode as oracleDecode } from '@msgpack/msgpack';
import fc from 'fast-check';
import type { UserEvent } from '../model/records.ts';
import { decodeConsulUserEvent, encodeConsulUserEvent } from './consul-event.ts';
import { GO_MSGPACK } from './testing/go-msgpack-vectors.ts';
import { hex, toHex } from './testing/golden-vectors.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);

function event(fields: Partial<UserEvent>): UserEvent {
  return {
    ID: '',
    Name: '',
    Payload: null,
    NodeFilter: '',
    ServiceFilter: '',
    TagFilter: '',
    Version: 1,
    LTime: 0,
    ...fields,
  };
}

describe('Consul user event payload', () => {
  it('matches the bytes Consul writes (codec tags, WriteExt: str8 and bin), without LTime', () => {
    const deploy = event({
      ID: '9d2d9a2c-4a4c-3a54-5c37-b1a6ba2c4f1e',
      Name: 'deploy',
      Payload: utf8('hello'),
      NodeFilter: 'web.*',
      LTime: 99,
    });
    assert.equal(toHex(encodeConsulUserEvent(deploy)), GO_MSGPACK.consulEvent);
    assert.deepEqual(decodeConsulUserEvent(hex(GO_MSGPACK.consulEvent), 99), deploy);
    const bare = event({ ID: 'x', Name: '0123456789012345678901234567890123456789' });
    assert.equal(toHex(encodeConsulUserEvent(bare)), GO_MSGPACK.consulEventBare);
    assert.deepEqual(decodeConsulUserEvent(hex(GO_MSGPACK.consulEventBare)), bare);
    const all = event({
      ID: 'x',
      Name: 'n',
      Payload: new Uint8Array(300),
      ServiceFilter: 'api',
      TagFilter: 'v1',
      Version: 2,
    });
    assert.equal(toHex(encodeConsulUserEvent(all)), GO_MSGPACK.consulEventAll);
    assert.deepEqual(decodeConsulUserEvent(hex(GO_MSGPACK.consulEventAll)), all);
  });

  it('drops an empty payload (omitempty) and round-trips any event', () => {
    assert.deepEqual(
      decodeConsulUserEvent(encodeConsulUserEvent(event({ ID: 'i', Name: 'n', Payload: new Uint8Array(0) })))
        .Payload,
      null,
    );
    fc.assert(
      fc.property(
        fc.record({
          ID: fc.uuid(),
          Name: fc.string({ minLength: 1 }),
          Payload: fc.option(fc.uint8Array({ minLength: 1, maxLength: 600 }), { nil: null }),
          NodeFilter: fc.string(),
          ServiceFilter: fc.string(),
          TagFilter: fc.string(),
          Version: fc.nat(),
          LTime: fc.nat(),
        }),
        (generated) => {
          const original = structuredClone(generated);
          const bytes = encodeConsulUserEvent(original);
          assert.deepEqual(decodeConsulUserEvent(bytes, original.LTime), original);
          const plain = oracleDecode(bytes) as Record<string, unknown>;
          assert.equal(plain.n, original.Name);
          assert.equal('LTime' in plain, false);
        },
      ),
      { numRuns: 200 },
    );
  });
});
