import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode as oracleDecode, encode as oracleEncode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { GossipDecodeError } from './messages.ts';
import {
  type DecodedValue,
  encodeGoValue,
  float64,
  GoFloat64,
  GoStruct,
  type GoValue,
  goStruct,
  MsgpackReader,
  MsgpackWriter,
} from './msgpack.ts';
import { hex, toHex } from './testing/golden-vectors.ts';

const utf8 = new TextEncoder();

function encoded(value: GoValue): string {
  return toHex(encodeGoValue(value));
}

/** What @msgpack/msgpack (rawStrings) should yield for a GoValue we encode. */
function expectedOracleValue(value: GoValue): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return value;
  if (typeof value === 'string') return utf8.encode(value);
  if (value instanceof Uint8Array) return value;
  if (value instanceof GoFloat64) return value.value;
  if (value instanceof GoStruct) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value.fields)) {
      const empty =
        field === null ||
        field === false ||
        field === 0 ||
        field === '' ||
        (field instanceof Uint8Array && field.length === 0) ||
        (field instanceof GoFloat64 && field.value === 0) ||
        (field instanceof Map && field.size === 0) ||
        (Array.isArray(field) && field.length === 0);
      if (value.omitEmpty.includes(key) && empty) continue;
      out[key] = expectedOracleValue(field);
    }
    return out;
  }
  if (Array.isArray(value)) return (value as GoValue[]).map(expectedOracleValue);
  const out: Record<string, unknown> = {};
  for (const [key, item] of value as ReadonlyMap<string, GoValue>) out[key] = expectedOracleValue(item);
  return out;
}

/** A comparable projection of our reader's generic output (maps → sorted entry lists). */
function normalizeDecoded(value: DecodedValue): unknown {
  if (value instanceof Map) {
    return [...value].map(([key, item]) => [normalizeDecoded(key), normalizeDecoded(item)]);
  }
  if (Array.isArray(value)) return value.map(normalizeDecoded);
  if (value instanceof Uint8Array) return toHex(value);
  return value;
}

/** The same projection of a plain JS value given to the oracle encoder. */
function normalizePlain(value: unknown): unknown {
  if (typeof value === 'string') return toHex(utf8.encode(value));
  if (value instanceof Uint8Array) return toHex(value);
  if (Object.is(value, -0)) return 0; // the oracle writes -0 as the integer 0
  if (Array.isArray(value)) return value.map(normalizePlain);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).map(([key, item]) => [toHex(utf8.encode(key)), normalizePlain(item)]);
  }
  return value;
}

const fieldName = fc.stringMatching(/^[A-Z][A-Za-z]{0,12}$/);

const goValue: fc.Arbitrary<GoValue> = fc.letrec<{ value: GoValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -(2 ** 31), max: 2 ** 32 }),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true }).map(float64),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.uint8Array({ maxLength: 300 }),
    fc.array(tie('value'), { maxLength: 20 }),
    fc.array(fc.tuple(fieldName, tie('value')), { maxLength: 6 }).map((entries) => new Map(entries)),
    fc
      .dictionary(fieldName, tie('value'), { maxKeys: 6 })
      .chain((fields) => fc.subarray(Object.keys(fields)).map((omit) => goStruct(fields, omit))),
  ),
})).value;

describe('MsgpackWriter (go-msgpack 0.5.5 forms)', () => {
  it('writes non-negative integers in the smallest unsigned form and negatives signed', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [127, '7f'],
      [128, 'cc80'],
      [255, 'ccff'],
      [256, 'cd0100'],
      [18202, 'cd471a'],
      [65535, 'cdffff'],
      [65536, 'ce00010000'],
      [3_200_000_000, 'cebebc2000'],
      [2 ** 32, 'cf0000000100000000'],
      [Number.MAX_SAFE_INTEGER, 'cf001fffffffffffff'],
      [-1, 'ff'],
      [-32, 'e0'],
      [-33, 'd0df'],
      [-128, 'd080'],
      [-129, 'd1ff7f'],
      [-32768, 'd18000'],
      [-32769, 'd2ffff7fff'],
      [-(2 ** 31), 'd280000000'],
      [-(2 ** 31) - 1, 'd3ffffffff7fffffff'],
    ];
    for (const [value, bytes] of cases) assert.equal(encoded(value), bytes, `int ${value}`);
  });

  it('writes strings and byte slices in the raw str family only, never str8 or bin', () => {
    assert.equal(encoded(''), 'a0');
    assert.equal(encoded(new Uint8Array(0)), 'a0');
    assert.equal(encoded('x'.repeat(31)).slice(0, 2), 'bf');
    assert.equal(encoded('x'.repeat(32)).slice(0, 6), 'da0020');
    assert.equal(encoded(new Uint8Array(98)).slice(0, 6), 'da0062');
    assert.equal(encoded(new Uint8Array(255)).slice(0, 6), 'da00ff');
    assert.equal(encoded(new Uint8Array(65536)).slice(0, 10), 'db00010000');
    assert.equal(encoded(hex('010502020505')), 'a6010502020505');
    assert.equal(encoded('é'), 'a2c3a9');
  });

  it('writes str8 and bin with writeExt, as handles with WriteExt do', () => {
    const writer = new MsgpackWriter({ writeExt: true });
    writer.str('x'.repeat(36)).bytes(new Uint8Array(2)).bytes(new Uint8Array(300)).str('ab');
    const out = toHex(writer.finish());
    assert.ok(out.startsWith(`d924${'78'.repeat(36)}c4020000c5012c`));
    assert.ok(out.endsWith('a26162'));
  });

  it('writes nil, bools, float64 always as cb, arrays and maps with their three widths', () => {
    assert.equal(encoded(null), 'c0');
    assert.equal(encoded(true), 'c3');
    assert.equal(encoded(false), 'c2');
    assert.equal(encoded(float64(0)), 'cb0000000000000000');
    assert.equal(encoded(float64(1.5)), 'cb3ff8000000000000');
    assert.equal(encoded([]), '90');
    assert.equal(encoded(new Array(15).fill(null)).slice(0, 2), '9f');
    assert.equal(encoded(new Array(512).fill(null)).slice(0, 8), 'dc0200c0');
    assert.equal(encoded(new Array(65536).fill(null)).slice(0, 12), 'dd00010000c0');
    assert.equal(encoded(new Map()), '80');
    const big = new Map(Array.from({ length: 16 }, (_, i) => [`k${i}`, i] as [string, GoValue]));
    assert.equal(encoded(big).slice(0, 6), 'de0010');
  });

  it('writes a Go map in insertion order and a struct with sorted keys and omitempty', () => {
    assert.equal(
      encoded(
        new Map<string, GoValue>([
          ['role', 'web'],
          ['dc', 'dc1'],
        ]),
      ),
      '82a4726f6c65a3776562a26463a3646331',
    );
    const ping = goStruct(
      { SourcePort: 0, SourceNode: '', SourceAddr: new Uint8Array(0), SeqNo: 1, Node: 'alpha' },
      ['SourceAddr', 'SourceNode', 'SourcePort'],
    );
    assert.equal(encoded(ping), '82a44e6f6465a5616c706861a55365714e6f01');
    // Byte-wise order: upper case sorts before lower case ("ID" < "n" < "nf").
    assert.equal(encoded(goStruct({ n: 1, ID: 2, nf: 3 })), '83a2494402a16e01a26e6603');
  });

  it('agrees with @msgpack/msgpack (rawStrings) on every value it writes', () => {
    fc.assert(
      fc.property(goValue, (value) => {
        assert.deepEqual(
          oracleDecode(encodeGoValue(value), { rawStrings: true }),
          expectedOracleValue(value),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('MsgpackReader', () => {
  it('reads what @msgpack/msgpack writes, including str8, bin and float32', () => {
    const plain = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.integer({ min: -(2 ** 31), max: 2 ** 32 }),
        fc.maxSafeInteger(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.string({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.array(tie('value'), { maxLength: 20 }),
        fc.dictionary(fieldName, tie('value'), { maxKeys: 6 }),
      ),
    })).value;
    fc.assert(
      fc.property(plain, fc.boolean(), (value, forceFloat32) => {
        const bytes = oracleEncode(value, { forceFloat32 });
        const reader = new MsgpackReader(bytes);
        const decoded = reader.value();
        assert.equal(reader.offset, bytes.length);
        if (forceFloat32) return; // float32 rounds; checked below
        assert.deepEqual(normalizeDecoded(decoded), normalizePlain(value));
      }),
      { numRuns: 300 },
    );
    assert.equal(new MsgpackReader(hex('ca3fc00000')).float(), 1.5);
  });

  it('reads strings and bytes liberally: str8, bin, nil, and []byte from an int array', () => {
    assert.equal(new MsgpackReader(hex('d903616263')).string(), 'abc');
    assert.equal(new MsgpackReader(hex('c403616263')).string(), 'abc');
    assert.equal(new MsgpackReader(hex('c0')).string(), '');
    assert.equal(toHex(new MsgpackReader(hex('c50002ffee')).bytesValue()), 'ffee');
    assert.equal(toHex(new MsgpackReader(hex('c60000000101')).bytesValue()), '01');
    assert.equal(toHex(new MsgpackReader(hex('9601050202cc0505')).bytesValue()), '010502020505');
    assert.equal(new MsgpackReader(hex('c0')).bytesOrNull(), null);
  });

  it('reads integers in any width and bools from 0/1', () => {
    for (const [bytes, value] of [
      ['d100ff', 255],
      ['d2000000ff', 255],
      ['d300000000000000ff', 255],
      ['cf00000000000000ff', 255],
      ['d0ff', -1],
      ['cc05', 5],
    ] as const) {
      assert.equal(new MsgpackReader(hex(bytes)).int(), value);
    }
    assert.equal(new MsgpackReader(hex('01')).bool(), true);
    assert.equal(new MsgpackReader(hex('00')).bool(), false);
    assert.throws(() => new MsgpackReader(hex('ff')).uint(), { reason: 'malformed' });
    assert.throws(() => new MsgpackReader(hex('a0')).int(), { reason: 'malformed' });
  });

  it('reads structs with keys in any order and skips unknown ones', () => {
    // {Zzz: [true, nil], S: "", N: 7}
    const reader = new MsgpackReader(hex('83a35a7a7a92c3c0a153a0a14e07'));
    const seen: Record<string, unknown> = {};
    reader.struct((name) => {
      if (name === 'S') seen.S = reader.string();
      else if (name === 'N') seen.N = reader.int();
      else return false;
      return true;
    });
    assert.deepEqual(seen, { S: '', N: 7 });
    assert.equal(reader.remaining, 0);
    assert.equal(
      new MsgpackReader(hex('c0')).struct(() => true),
      false,
    );
  });

  it('reports truncation for every strict prefix, so a stream parser can wait', () => {
    fc.assert(
      fc.property(goValue, (value) => {
        const bytes = encodeGoValue(value);
        for (let cut = 0; cut < bytes.length; cut++) {
          assert.throws(() => new MsgpackReader(bytes.subarray(0, cut)).skip(), { reason: 'truncated' });
        }
        const reader = new MsgpackReader(bytes);
        reader.skip();
        assert.equal(reader.offset, bytes.length);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses hostile lengths before allocating and caps nesting', () => {
    for (const bytes of ['dbffffffff', 'c6ffffffff', 'ddffffffff', 'dfffffffff', 'dc0200']) {
      assert.throws(() => new MsgpackReader(hex(bytes)).value(), { reason: 'truncated' });
      assert.throws(() => new MsgpackReader(hex(bytes)).skip(), { reason: 'truncated' });
    }
    assert.throws(() => new MsgpackReader(hex('dbffffffff'), 0, 1024).skip(), { reason: 'too-large' });
    const deep = new Uint8Array(1000).fill(0x91);
    assert.throws(() => new MsgpackReader(deep).value(), { reason: 'malformed' });
    assert.throws(() => new MsgpackReader(deep).skip(), { reason: 'malformed' });
    assert.throws(() => new MsgpackReader(hex('c1')).skip(), { reason: 'malformed' });
  });

  it('throws only GossipDecodeError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          const reader = new MsgpackReader(bytes);
          while (reader.remaining > 0) reader.value();
        } catch (error) {
          assert.ok(error instanceof GossipDecodeError, String(error));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
