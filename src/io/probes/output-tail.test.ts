import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { OutputTail } from './output-tail.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('OutputTail', () => {
  it('keeps everything while under capacity', () => {
    const tail = new OutputTail(8);
    tail.write(bytes('abc'));
    tail.write(bytes('de'));
    assert.equal(tail.text(), 'abcde');
    assert.equal(tail.totalBytes, 5);
    assert.equal(tail.truncated, false);
  });

  it('keeps the last bytes, as circbuf does, once writes pass capacity', () => {
    const tail = new OutputTail(4);
    tail.write(bytes('abc'));
    tail.write(bytes('def'));
    assert.equal(tail.text(), 'cdef');
    tail.write(bytes('0123456789'));
    assert.equal(tail.text(), '6789');
    assert.equal(tail.totalBytes, 16);
    assert.equal(tail.truncated, true);
  });

  it('is not truncated when exactly full', () => {
    const tail = new OutputTail(3);
    tail.write(bytes('abc'));
    assert.equal(tail.text(), 'abc');
    assert.equal(tail.truncated, false);
  });

  it('keeps nothing with a zero capacity but still counts', () => {
    const tail = new OutputTail(0);
    tail.write(bytes('abc'));
    assert.equal(tail.text(), '');
    assert.equal(tail.totalBytes, 3);
  });

  it('allocates nothing until something is written', () => {
    const tail = new OutputTail(1 << 30);
    tail.write(new Uint8Array(0));
    assert.equal(tail.bytes().byteLength, 0);
  });

  it('grows with what is kept, not with the capacity', () => {
    // A buffer of the capacity could not even be allocated.
    const tail = new OutputTail(Number.MAX_SAFE_INTEGER);
    tail.write(bytes('ab'));
    tail.write(bytes('cd'));
    tail.write(bytes('e'.repeat(1000)));
    assert.equal(tail.text(), `abcd${'e'.repeat(1000)}`);
    assert.equal(tail.truncated, false);
  });

  it('keeps a single chunk that fits as given, without a copy', () => {
    const chunk = bytes('hello');
    const tail = new OutputTail(4096);
    tail.write(chunk);
    assert.equal(tail.bytes().buffer, chunk.buffer);
    assert.equal(tail.text(), 'hello');
  });

  it('keeps the tail of a single chunk longer than the capacity', () => {
    const tail = new OutputTail(4);
    tail.write(bytes('abcdefgh'));
    assert.equal(tail.text(), 'efgh');
    tail.write(bytes('ij'));
    assert.equal(tail.text(), 'ghij');
    assert.equal(tail.totalBytes, 10);
  });

  it('always holds the last min(capacity, total) bytes of everything written', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.array(fc.uint8Array({ maxLength: 50 })),
        (capacity, chunks) => {
          const tail = new OutputTail(capacity);
          for (const chunk of chunks) tail.write(chunk);
          const all = Uint8Array.from(chunks.flatMap((chunk) => [...chunk]));
          assert.equal(tail.totalBytes, all.byteLength);
          assert.deepEqual([...tail.bytes()], [...all.subarray(Math.max(0, all.byteLength - capacity))]);
          assert.equal(tail.truncated, all.byteLength > capacity);
        },
      ),
    );
  });
});
