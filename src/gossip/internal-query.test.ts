import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBase64, encodeBase64 } from '../lib/base64.ts';
import { silentLogger } from '../ports/logger.ts';
import {
  answerInternalQuery,
  InternalQuery,
  type InternalQueryContext,
  isInternalQuery,
} from './internal-query.ts';
import { Keyring } from './keyring.ts';
import { decodeConflictResponse, decodeKeyResponse, encodeKeyRequest, type WireMember } from './serf-wire.ts';

const key1 = new Uint8Array(32).fill(1);
const key2 = new Uint8Array(16).fill(2);

function context(
  keyring: Keyring | undefined,
  members: Record<string, WireMember> = {},
): InternalQueryContext {
  return { localName: 'self', keyring, wireMember: (name) => members[name] ?? null, logger: silentLogger };
}

function answer(name: string, payload: Uint8Array | null, ctx: InternalQueryContext) {
  const bytes = answerInternalQuery(name, payload, ctx);
  assert.ok(bytes !== undefined, `${name} answers`);
  return decodeKeyResponse(bytes);
}

test('internal query names start with _serf_', () => {
  assert.equal(isInternalQuery('_serf_ping'), true);
  assert.equal(isInternalQuery('deploy'), false);
});

test('_serf_ping answers with the ack only', () => {
  assert.equal(answerInternalQuery(InternalQuery.ping, null, context(undefined)), undefined);
});

test('list-keys: base64 keys, primary first, Result true', () => {
  const keyring = new Keyring([key1, key2]);
  assert.deepEqual(answer(InternalQuery.listKeys, encodeKeyRequest({ key: null }), context(keyring)), {
    keys: [encodeBase64(key1), encodeBase64(key2)],
    message: '',
    primaryKey: encodeBase64(key1),
    result: true,
  });
});

test('install, use and remove change the keyring and report the keyring errors', () => {
  const keyring = new Keyring([key1]);
  let changes = 0;
  const ctx = { ...context(keyring), onKeyringChange: () => changes++ };
  assert.equal(answer(InternalQuery.installKey, encodeKeyRequest({ key: key2 }), ctx).result, true);
  assert.equal(keyring.keys().length, 2);
  assert.equal(answer(InternalQuery.useKey, encodeKeyRequest({ key: key2 }), ctx).result, true);
  assert.deepEqual([...keyring.primary()], [...key2]);
  const refused = answer(InternalQuery.removeKey, encodeKeyRequest({ key: key2 }), ctx);
  assert.deepEqual(refused, {
    keys: [],
    message: 'Removing the primary key is not allowed',
    primaryKey: '',
    result: false,
  });
  assert.equal(answer(InternalQuery.removeKey, encodeKeyRequest({ key: key1 }), ctx).result, true);
  assert.deepEqual(keyring.keys().map(encodeBase64), [encodeBase64(key2)]);
  assert.equal(changes, 3, 'only successful changes are reported');
  const unknown = answer(InternalQuery.useKey, encodeKeyRequest({ key: key1 }), ctx);
  assert.equal(unknown.message, 'Requested key is not in the keyring');
  const bad = answer(InternalQuery.installKey, encodeKeyRequest({ key: Uint8Array.of(1, 2, 3) }), ctx);
  assert.equal(bad.message, 'key size must be 16, 24 or 32 bytes');
  assert.equal(decodeBase64(encodeBase64(key2)).length, 16);
});

test('without encryption the key queries fail in serf words', () => {
  const ctx = context(undefined);
  assert.deepEqual(answer(InternalQuery.installKey, encodeKeyRequest({ key: key1 }), ctx), {
    keys: [],
    message: 'No keyring to modify (encryption not enabled)',
    primaryKey: '',
    result: false,
  });
  assert.equal(
    answer(InternalQuery.listKeys, encodeKeyRequest({ key: null }), ctx).message,
    'Keyring is empty (encryption not enabled)',
  );
  assert.equal(
    answer(InternalQuery.installKey, Uint8Array.of(7, 0xc1), ctx).message,
    'Failed to decode key request',
  );
});

test('_serf_conflict: silent about itself, the member entry for others, nil when unknown', () => {
  const other: WireMember = {
    name: 'other',
    addr: Uint8Array.of(10, 0, 0, 2),
    port: 8301,
    tags: new Map([['role', 'web']]),
    status: 1,
    protocolMin: 1,
    protocolMax: 5,
    protocolCur: 2,
    delegateMin: 2,
    delegateMax: 5,
    delegateCur: 5,
  };
  const ctx = context(undefined, { other });
  const utf8 = (text: string) => new TextEncoder().encode(text);
  assert.equal(answerInternalQuery(InternalQuery.conflict, utf8('self'), ctx), undefined);
  const answered = answerInternalQuery(InternalQuery.conflict, utf8('other'), ctx)!;
  assert.equal(answered[0], 6);
  assert.deepEqual(decodeConflictResponse(answered), other);
  assert.equal(
    decodeConflictResponse(answerInternalQuery(InternalQuery.conflict, utf8('nobody'), ctx)!),
    null,
  );
});
