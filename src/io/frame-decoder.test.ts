import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { type Entry, EntryKind, type Message, MessageType, Suffrage } from '../raft/types.ts';
import {
  encodeFrame,
  FRAME_HEADER_BYTES,
  type FrameDecodeResult,
  FrameDecoder,
  FrameErrorKind,
  parseMessage,
} from './frame-decoder.ts';

const plainPackr = new Packr({ useRecords: false });

/** A frame around arbitrary msgpack (not necessarily a Message), or raw payload bytes. */
function frameAround(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.byteLength);
  new DataView(frame.buffer).setUint32(0, payload.byteLength, false);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.byteLength;
  }
  return whole;
}

/** Pushes `stream` cut at `cuts` (offsets, any order, duplicates allowed); collects everything. */
function decodeInChunks(stream: Uint8Array, cuts: readonly number[], maxFrameBytes?: number) {
  const decoder = new FrameDecoder(maxFrameBytes === undefined ? {} : { maxFrameBytes });
  const boundaries = [
    ...new Set([0, ...cuts.map((cut) => cut % (stream.byteLength + 1)), stream.byteLength]),
  ].sort((a, b) => a - b);
  const messages: Message[] = [];
  const results: FrameDecodeResult[] = [];
  for (let i = 1; i < boundaries.length; i++) {
    const result = decoder.push(stream.subarray(boundaries[i - 1], boundaries[i]));
    results.push(result);
    messages.push(...result.messages);
  }
  const error = results.find((result) => result.error !== undefined)?.error ?? decoder.end();
  return { messages, error, decoder };
}

const sampleEntries: Entry[] = [
  { index: 7, term: 3, kind: EntryKind.command, data: new Uint8Array([0, 1, 2, 255, 128]) },
  { index: 8, term: 3, kind: EntryKind.noop, data: new Uint8Array(0) },
  {
    index: 9,
    term: 4,
    kind: EntryKind.configuration,
    data: new Uint8Array(0),
    configuration: {
      servers: [
        { id: 'a', address: '10.0.0.1:8300', suffrage: Suffrage.voter },
        { id: 'b', address: '[::1]:8300', suffrage: Suffrage.nonvoter },
      ],
    },
  },
];

const append: Message = {
  type: MessageType.append,
  from: 'a',
  to: 'b',
  term: 4,
  index: 6,
  logTerm: 3,
  entries: sampleEntries,
  commit: Number.MAX_SAFE_INTEGER,
};

const snapshot: Message = {
  type: MessageType.snapshot,
  from: 'a',
  to: 'b',
  term: 2 ** 40,
  snapshot: {
    metadata: { index: 100, term: 2, configuration: { servers: [] } },
    data: new Uint8Array(300_000).map((_, i) => i * 7),
  },
};

// Decoded messages are ordinary objects; fast-check's default null prototype would differ.
const plain = { noNullPrototype: true } as const;
const serverArbitrary = fc.record(
  {
    id: fc.string(),
    address: fc.string(),
    suffrage: fc.constantFrom(...Object.values(Suffrage)),
  },
  plain,
);
const configurationArbitrary = fc.record({ servers: fc.array(serverArbitrary, { maxLength: 3 }) }, plain);
const entryArbitrary: fc.Arbitrary<Entry> = fc.record(
  {
    index: fc.maxSafeNat(),
    term: fc.maxSafeNat(),
    kind: fc.constantFrom(...Object.values(EntryKind)),
    data: fc.uint8Array({ maxLength: 64 }),
    configuration: configurationArbitrary,
  },
  { ...plain, requiredKeys: ['index', 'term', 'kind', 'data'] },
);
const messageArbitrary: fc.Arbitrary<Message> = fc.record(
  {
    type: fc.constantFrom(...Object.values(MessageType)),
    from: fc.string(),
    to: fc.string(),
    term: fc.maxSafeNat(),
    index: fc.maxSafeNat(),
    logTerm: fc.maxSafeNat(),
    entries: fc.array(entryArbitrary, { maxLength: 4 }),
    commit: fc.maxSafeNat(),
    reject: fc.boolean(),
    rejectHint: fc.maxSafeNat(),
    rejectHintTerm: fc.maxSafeNat(),
    snapshot: fc.record(
      {
        metadata: fc.record(
          { index: fc.maxSafeNat(), term: fc.maxSafeNat(), configuration: configurationArbitrary },
          plain,
        ),
        data: fc.uint8Array({ maxLength: 256 }),
      },
      plain,
    ),
    context: fc.maxSafeNat(),
    transfer: fc.boolean(),
  },
  { ...plain, requiredKeys: ['type', 'from', 'to', 'term'] },
);

describe('encodeFrame / FrameDecoder', () => {
  it('round-trips messages exactly, binary data as plain Uint8Array', () => {
    const stream = concat([encodeFrame(append), encodeFrame(snapshot)]);
    const decoder = new FrameDecoder();
    const result = decoder.push(stream);
    assert.equal(result.error, undefined);
    assert.deepEqual(result.messages, [append, snapshot]);
    const [decodedAppend, decodedSnapshot] = result.messages;
    for (const entry of decodedAppend?.entries ?? [])
      assert.equal(Object.getPrototypeOf(entry.data), Uint8Array.prototype);
    assert.equal(Object.getPrototypeOf(decodedSnapshot?.snapshot?.data), Uint8Array.prototype);
    assert.equal(decoder.bufferedBytes, 0);
    assert.equal(decoder.end(), undefined);
  });

  it('decodes Node Buffer chunks (what sockets deliver) to plain Uint8Array data', () => {
    const result = new FrameDecoder().push(Buffer.from(encodeFrame(append)));
    assert.equal(result.error, undefined);
    assert.deepEqual(result.messages, [append]);
    assert.equal(Object.getPrototypeOf(result.messages[0]?.entries?.[0]?.data), Uint8Array.prototype);
  });

  it('encodes a fresh buffer per frame (msgpackr reuses its own)', () => {
    const first = encodeFrame(append);
    const copy = new Uint8Array(first);
    encodeFrame(snapshot);
    assert.deepEqual(first, copy);
  });

  it('yields the same messages however the stream is chunked', () => {
    fc.assert(
      fc.property(fc.array(messageArbitrary, { maxLength: 6 }), fc.array(fc.nat()), (messages, cuts) => {
        const stream = concat(messages.map(encodeFrame));
        const decoded = decodeInChunks(stream, cuts);
        assert.equal(decoded.error, undefined);
        assert.deepEqual(decoded.messages, messages);
        assert.equal(decoded.decoder.bufferedBytes, 0);
      }),
    );
  });

  it('does not hold on to pushed chunks: the caller may overwrite them', () => {
    const frame = encodeFrame(append);
    const decoder = new FrameDecoder();
    const chunk = new Uint8Array(frame.subarray(0, 20));
    assert.deepEqual(decoder.push(chunk).messages, []);
    chunk.fill(0xff);
    const result = decoder.push(frame.subarray(20));
    assert.equal(result.error, undefined);
    assert.deepEqual(result.messages, [append]);
  });
});

describe('FrameDecoder on bad input', () => {
  it('refuses an oversized length prefix from the header alone', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
    const result = decoder.push(new Uint8Array([0x00, 0x00, 0x04, 0x01]));
    assert.equal(result.error?.kind, FrameErrorKind.oversized);
    assert.match(result.error?.reason ?? '', /frame length 1025 exceeds the maximum of 1024 bytes/);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('refuses the largest length prefix split across chunks', () => {
    const decoded = decodeInChunks(new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]), [1, 3]);
    assert.equal(decoded.error?.kind, FrameErrorKind.oversized);
  });

  it('does not allocate a payload its length prefix merely announces', () => {
    // 60 MiB announced (under the 64 MiB default), 10 bytes sent: memory held is what arrived.
    const decoder = new FrameDecoder();
    const before = process.memoryUsage().arrayBuffers;
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, 60 * 1024 * 1024, false);
    for (let i = 0; i < 10; i++)
      assert.equal(decoder.push(i === 0 ? header : new Uint8Array([0x90])).error, undefined);
    assert.equal(decoder.bufferedBytes, FRAME_HEADER_BYTES + 9);
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024);
  });

  it('returns the messages before a bad frame, then the error, and stays failed', () => {
    const good = encodeFrame(append);
    const bad = frameAround(plainPackr.pack({ type: 'gossip', from: 'a', to: 'b', term: 1 }));
    const decoder = new FrameDecoder();
    const result = decoder.push(concat([good, bad, good]));
    assert.deepEqual(result.messages, [append]);
    assert.equal(result.error?.kind, FrameErrorKind.malformed);
    assert.match(result.error?.reason ?? '', /message\.type: expected a known message type, got "gossip"/);
    assert.deepEqual(decoder.push(good), { messages: [], error: result.error });
  });

  const malformed: Array<[string, unknown, RegExp]> = [
    ['not a map', [1, 2], /message: expected a map, got an array of 2/],
    ['nil', null, /message: expected a map, got nil/],
    ['missing from', { type: 'vote', to: 'b', term: 1 }, /message\.from: expected a string, got nothing/],
    ['numeric to', { type: 'vote', from: 'a', to: 7, term: 1 }, /message\.to: expected a string, got 7/],
    [
      'negative term',
      { type: 'vote', from: 'a', to: 'b', term: -1 },
      /message\.term: .*non-negative safe integer/,
    ],
    ['fractional term', { type: 'vote', from: 'a', to: 'b', term: 1.5 }, /message\.term/],
    ['unsafe term', { type: 'vote', from: 'a', to: 'b', term: 2 ** 53 }, /message\.term/],
    ['string index', { type: 'append', from: 'a', to: 'b', term: 1, index: '3' }, /message\.index/],
    [
      'nil commit',
      { type: 'append', from: 'a', to: 'b', term: 1, commit: null },
      /message\.commit: .*got nil/,
    ],
    ['numeric reject', { type: 'appendResponse', from: 'a', to: 'b', term: 1, reject: 1 }, /message\.reject/],
    [
      'entries not an array',
      { type: 'append', from: 'a', to: 'b', term: 1, entries: {} },
      /message\.entries: expected an array/,
    ],
    [
      'entry data as text',
      {
        type: 'append',
        from: 'a',
        to: 'b',
        term: 1,
        entries: [{ index: 1, term: 1, kind: 'command', data: 'x' }],
      },
      /message\.entries\[0\]\.data: expected binary/,
    ],
    [
      'unknown entry kind',
      {
        type: 'append',
        from: 'a',
        to: 'b',
        term: 1,
        entries: [{ index: 1, term: 1, kind: 'magic', data: new Uint8Array() }],
      },
      /message\.entries\[0\]\.kind/,
    ],
    [
      'bad suffrage',
      {
        type: 'snapshot',
        from: 'a',
        to: 'b',
        term: 1,
        snapshot: {
          metadata: {
            index: 1,
            term: 1,
            configuration: { servers: [{ id: 'a', address: 'x', suffrage: 'boss' }] },
          },
          data: new Uint8Array(),
        },
      },
      /message\.snapshot\.metadata\.configuration\.servers\[0\]\.suffrage: expected voter or nonvoter/,
    ],
    [
      'snapshot without metadata',
      { type: 'snapshot', from: 'a', to: 'b', term: 1, snapshot: { data: new Uint8Array() } },
      /message\.snapshot\.metadata: expected a map/,
    ],
  ];
  for (const [name, value, reason] of malformed) {
    it(`refuses a malformed message: ${name}`, () => {
      const result = new FrameDecoder().push(frameAround(plainPackr.pack(value)));
      assert.deepEqual(result.messages, []);
      assert.equal(result.error?.kind, FrameErrorKind.malformed);
      assert.match(result.error?.reason ?? '', reason);
    });
  }

  it('ignores unknown fields and drops them from the result (a newer peer may add some)', () => {
    const result = new FrameDecoder().push(frameAround(plainPackr.pack({ ...append, hello: 'future' })));
    assert.deepEqual(result.messages, [append]);
  });

  const undecodable: Array<[string, Uint8Array]> = [
    ['an empty frame', new Uint8Array(0)],
    ['a truncated msgpack value', plainPackr.pack({ type: 'vote' }).subarray(0, 5)],
    ['trailing bytes after the value', concat([plainPackr.pack({ a: 1 }), new Uint8Array([0x01])])],
    ['an array claiming 2^32-1 items', new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff])],
    ['nesting deeper than the stack', new Uint8Array(200_000).fill(0x91)],
  ];
  for (const [name, payload] of undecodable) {
    it(`refuses ${name}`, () => {
      const result = new FrameDecoder().push(frameAround(payload));
      assert.deepEqual(result.messages, []);
      assert.equal(result.error?.kind, FrameErrorKind.undecodable);
    });
  }

  it('reports a stream that ends inside a frame', () => {
    const frame = encodeFrame(append);
    for (const cut of [1, FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + 1, frame.byteLength - 1]) {
      const decoder = new FrameDecoder();
      assert.equal(decoder.push(frame.subarray(0, cut)).error, undefined);
      assert.equal(decoder.end()?.kind, FrameErrorKind.truncated, `cut at ${cut}`);
    }
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.array(fc.nat()), (bytes, cuts) => {
        checkOutcome(decodeInChunks(bytes, cuts, 4096));
      }),
    );
  });

  it('never throws on random payloads in valid frames', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 512 }), (payload) => {
        checkOutcome(decodeInChunks(frameAround(payload), []));
      }),
    );
  });

  it('never throws on mutated valid streams', () => {
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.nat(),
        value: fc.integer({ min: 0, max: 255 }),
      }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(messageArbitrary, { minLength: 1, maxLength: 3 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat()),
        (messages, mutations, cuts) => {
          let stream = concat(messages.map(encodeFrame));
          for (const change of mutations) {
            const at = change.at % stream.byteLength;
            if (change.kind === 'flip') {
              stream = new Uint8Array(stream);
              stream[at] = change.value;
            } else if (change.kind === 'cut') stream = stream.subarray(0, Math.max(1, at));
            else stream = concat([stream.subarray(0, at), change.bytes, stream.subarray(at)]);
          }
          checkOutcome(decodeInChunks(stream, cuts));
        },
      ),
    );
  });
});

/** Whatever the input, the decoder answers with well-formed messages and at most an error. */
function checkOutcome(outcome: { messages: Message[]; error: unknown }): void {
  for (const message of outcome.messages) assert.notEqual(typeof parseMessage(message), 'string');
}
