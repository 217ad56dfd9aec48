import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAnyAddress, isIpAddress, isIpv4Address, isIpv6Address } from './ip-address.ts';

describe('isIpAddress', () => {
  const table: [string, boolean][] = [
    ['127.0.0.1', true],
    ['0.0.0.0', true],
    ['255.255.255.255', true],
    ['256.0.0.1', false],
    ['1.2.3', false],
    ['01.2.3.4', false],
    ['::', true],
    ['[::]', true],
    ['::1', true],
    ['fe80::1:2', true],
    ['2001:db8:0:0:0:0:2:1', true],
    ['2001:db8::2:1', true],
    ['::ffff:192.0.2.1', true],
    ['1:2:3:4:5:6:7:8:9', false],
    ['1::2::3', false],
    [':1', false],
    ['12345::', false],
    ['localhost', false],
    ['{{ GetPrivateIP }}', false],
    ['', false],
  ];
  for (const [text, expected] of table) {
    it(`${JSON.stringify(text)} → ${expected}`, () => assert.equal(isIpAddress(text), expected));
  }

  it('tells the families apart', () => {
    assert.equal(isIpv4Address('::1'), false);
    assert.equal(isIpv6Address('127.0.0.1'), false);
  });
});

describe('isAnyAddress', () => {
  for (const text of ['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0']) {
    it(`${text} is a wildcard`, () => assert.equal(isAnyAddress(text), true));
  }
  for (const text of ['127.0.0.1', '::1', '10.0.0.0', '']) {
    it(`${JSON.stringify(text)} is not`, () => assert.equal(isAnyAddress(text), false));
  }
});
