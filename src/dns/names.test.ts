import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLookup, splitLabels, zoneOf } from './names.ts';
import { RRType } from './wire.ts';

test('labels keep their escapes: an escaped dot does not split', () => {
  assert.deepEqual(splitLabels('a\\.b.c.'), ['a\\.b', 'c']);
  assert.deepEqual(splitLabels('a\\\\.b.'), ['a\\\\', 'b']);
  assert.deepEqual(splitLabels('.'), []);
  assert.deepEqual(splitLabels('web.service.consul.'), ['web', 'service', 'consul']);
});

test('the longer of the domain and the alternative domain wins; a label is never split', () => {
  assert.deepEqual(zoneOf('web.service.dc1.consul.', 'consul.', 'dc1.consul.'), {
    zone: 'domain',
    responseDomain: 'dc1.consul.',
    labels: ['web', 'service'],
  });
  assert.deepEqual(zoneOf('web.service.notconsul.', 'consul.', ''), { zone: 'foreign' });
  assert.deepEqual(zoneOf('a\\.consul.', 'consul.', ''), { zone: 'foreign' });
  assert.deepEqual(zoneOf('consul.', 'consul.', ''), {
    zone: 'domain',
    responseDomain: 'consul.',
    labels: [],
  });
});

test('reverse names: in-addr.arpa and ip6.arpa spell addresses; anything else spells none', () => {
  assert.deepEqual(zoneOf('4.3.2.1.in-addr.arpa.', 'consul.', ''), {
    zone: 'arpa',
    ip: Uint8Array.of(1, 2, 3, 4),
  });
  assert.deepEqual(zoneOf('3.2.1.in-addr.arpa.', 'consul.', ''), { zone: 'arpa', ip: undefined });
  assert.deepEqual(zoneOf('256.3.2.1.in-addr.arpa.', 'consul.', ''), { zone: 'arpa', ip: undefined });
  assert.deepEqual(zoneOf('04.3.2.1.in-addr.arpa.', 'consul.', ''), { zone: 'arpa', ip: undefined });
  const nibbles = '20010db8000000000000000000000001'.split('').reverse().join('.');
  const six = zoneOf(`${nibbles}.ip6.arpa.`, 'consul.', '');
  assert.equal(six.zone, 'arpa');
  assert.deepEqual(six.zone === 'arpa' && [...six.ip!], [
    0x20,
    0x01,
    0x0d,
    0xb8,
    ...new Array(11).fill(0),
    1,
  ]);
});

test('lookups: the rightmost kind label decides, with Consul locality forms', () => {
  const dc = 'dc1';
  assert.deepEqual(parseLookup(['v1', 'web', 'service'], RRType.A, dc), {
    kind: 'service',
    service: 'web',
    tag: 'v1',
    datacenter: 'dc1',
  });
  assert.deepEqual(parseLookup(['a', 'b', 'web', 'service', 'dc2'], RRType.A, dc), {
    kind: 'service',
    service: 'web',
    tag: 'a.b',
    datacenter: 'dc2',
  });
  assert.deepEqual(parseLookup(['_web', '_tcp', 'service', 'dc2', 'dc'], RRType.SRV, dc), {
    kind: 'service',
    service: 'web',
    tag: '',
    datacenter: 'dc2',
  });
  assert.deepEqual(parseLookup(['my', 'node', 'node'], RRType.A, dc), {
    kind: 'node',
    node: 'my.node',
    datacenter: 'dc1',
  });
  assert.deepEqual(parseLookup(['web', 'service', 'x', 'y'], RRType.A, dc), { kind: 'invalid' });
  assert.deepEqual(parseLookup(['web', 'service', 'p', 'peer'], RRType.A, dc), { kind: 'none' });
  assert.deepEqual(parseLookup(['web', 'service', 'd', 'dc', 'p', 'peer'], RRType.A, dc), {
    kind: 'invalid',
  });
  assert.deepEqual(parseLookup(['_q', 'x', '_tcp', 'query'], RRType.SRV, dc), {
    kind: 'query',
    query: 'q.x',
    datacenter: 'dc1',
  });
  assert.deepEqual(parseLookup(['web'], RRType.A, dc), { kind: 'invalid' });
});
