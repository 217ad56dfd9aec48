import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SECOND } from '../lib/duration.ts';
import {
  type Decoder,
  decodeBoolean,
  decodeDefinitions,
  decodeDuration,
  decodeDurationMap,
  decodeInteger,
  decodeLogLevel,
  decodeNodeId,
  decodeOneOf,
  decodePort,
  decodeString,
  decodeStringList,
  decodeStringMap,
  describeValue,
} from './config-values.ts';

function decodedValue<T>(decode: Decoder<T>, raw: unknown): T | undefined {
  const decoded = decode(raw);
  return decoded.ok ? decoded.value : undefined;
}

describe('config value decoders', () => {
  const cases: [string, Decoder<unknown>, unknown, unknown][] = [
    ['string', decodeString, 'x', 'x'],
    ['string refuses numbers', decodeString, 1, undefined],
    ['boolean', decodeBoolean, false, false],
    ['boolean refuses "true" (no weak typing, as in Consul)', decodeBoolean, 'true', undefined],
    ['integer', decodeInteger, -3, -3],
    ['integer refuses fractions', decodeInteger, 1.5, undefined],
    ['integer refuses numeric text', decodeInteger, '3', undefined],
    ['port', decodePort, 8500, 8500],
    ['port 65535', decodePort, 65_535, 65_535],
    ['port -1 disables', decodePort, -1, -1],
    ['port 0 disables, as in Consul', decodePort, 0, -1],
    ['port below -1 disables', decodePort, -7, -1],
    ['port above 65535', decodePort, 65_536, undefined],
    ['port as text', decodePort, '8500', undefined],
    ['duration', decodeDuration, '1m30s', 90 * SECOND],
    ['duration 0', decodeDuration, '0', 0],
    ['duration refuses numbers', decodeDuration, 10, undefined],
    ['duration refuses bare text', decodeDuration, '10', undefined],
    ['string list', decodeStringList, ['a', 'b'], ['a', 'b']],
    ['string list refuses a string', decodeStringList, 'a', undefined],
    ['string list refuses mixed', decodeStringList, ['a', 1], undefined],
    ['string map', decodeStringMap, { a: 'b' }, { a: 'b' }],
    ['string map from an HCL block', decodeStringMap, [{ a: 'b' }], { a: 'b' }],
    ['string map refuses repeated blocks', decodeStringMap, [{ a: 'b' }, { c: 'd' }], undefined],
    ['string map refuses numbers', decodeStringMap, { a: 1 }, undefined],
    ['duration map', decodeDurationMap, { '*': '5s' }, { '*': 5 * SECOND }],
    ['duration map refuses bad durations', decodeDurationMap, { '*': 'soon' }, undefined],
    ['log level', decodeLogLevel, 'INFO', 'info'],
    ['log level err', decodeLogLevel, 'err', 'error'],
    ['log level trace', decodeLogLevel, ' Trace ', 'trace'],
    ['log level unknown', decodeLogLevel, 'loud', undefined],
    ['node id', decodeNodeId, 'ADF4238A-882B-9DDC-4A9D-5B6758E4159E', 'adf4238a-882b-9ddc-4a9d-5b6758e4159e'],
    ['node id empty', decodeNodeId, '', ''],
    ['node id not a UUID', decodeNodeId, 'node-1', undefined],
    ['one of', decodeOneOf(['allow', 'deny']), 'deny', 'deny'],
    ['one of refuses others', decodeOneOf(['allow', 'deny']), 'Deny', undefined],
    ['definitions: one object', decodeDefinitions, { name: 'web' }, [{ name: 'web' }]],
    [
      'definitions: a list',
      decodeDefinitions,
      [{ name: 'a' }, { name: 'b' }],
      [{ name: 'a' }, { name: 'b' }],
    ],
    ['definitions refuse scalars', decodeDefinitions, [1], undefined],
  ];
  for (const [name, decode, raw, expected] of cases) {
    it(name, () => assert.deepEqual(decodedValue(decode, raw), expected));
  }

  it('say what they expected', () => {
    assert.deepEqual(decodePort('x'), {
      ok: false,
      expected: 'an integer port up to 65535 (-1 or 0 disables it)',
    });
    assert.deepEqual(decodeOneOf(['allow', 'deny'])(1), { ok: false, expected: 'one of allow, deny' });
  });
});

describe('describeValue', () => {
  it('shows JSON, shortened', () => {
    assert.equal(describeValue('abc'), '"abc"');
    assert.equal(describeValue([1, { a: true }]), '[1,{"a":true}]');
    assert.equal(describeValue('x'.repeat(200)).length, 80);
    assert.equal(describeValue(undefined), 'undefined');
  });
});
