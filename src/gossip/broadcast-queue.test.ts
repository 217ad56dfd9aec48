import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BroadcastQueue, retransmitLimit } from './broadcast-queue.ts';

/**
 * The queue's order as a plain specification: every item kept in one list, sorted on each take
 * by (transmits ascending, length descending, id descending), the packet filled greedily in that
 * order. The real queue (tiers of length buckets with heaps) must hand out exactly the same
 * messages in the same order and finish the same items at the same moments.
 */
class ReferenceQueue {
  private items: { node: string; message: Uint8Array; id: number; transmits: number; label: string }[] = [];
  private nextId = 0;
  constructor(
    private readonly retransmitMult: number,
    private readonly nodeCount: () => number,
    private readonly finished: string[],
  ) {}

  get length(): number {
    return this.items.length;
  }

  queue(node: string, message: Uint8Array, label: string): void {
    const previous = this.items.findIndex((item) => item.node === node);
    if (previous >= 0) {
      this.finished.push(this.items[previous]!.label);
      this.items.splice(previous, 1);
    }
    this.items.push({ node, message, id: this.nextId++, transmits: 0, label });
  }

  take(overhead: number, limit: number): Uint8Array[] {
    const limitTransmits = retransmitLimit(this.retransmitMult, this.nodeCount());
    const order = [...this.items].sort(
      (a, b) => a.transmits - b.transmits || b.message.length - a.message.length || b.id - a.id,
    );
    const chosen: typeof order = [];
    let remaining = limit;
    for (const item of order) {
      if (remaining < overhead + 1) break;
      if (item.message.length > remaining - overhead) continue;
      remaining -= item.message.length + overhead;
      chosen.push(item);
    }
    // Within a tier the real queue never goes back to a longer message it skipped: the greedy
    // walk above over one sorted list is the same thing, since lengths only get smaller.
    for (const item of chosen) {
      item.transmits++;
      if (item.transmits >= limitTransmits) {
        this.items.splice(this.items.indexOf(item), 1);
        this.finished.push(item.label);
      }
    }
    return chosen.map((item) => item.message);
  }
}

type Op = { kind: 'queue'; node: number; length: number } | { kind: 'take'; overhead: number; limit: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('queue' as const),
      node: fc.nat(30),
      length: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('take' as const), overhead: fc.nat(3), limit: fc.nat(200) }),
  },
);

describe('BroadcastQueue', () => {
  it('hands out what a single sorted list would, in the same order, finishing the same items', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 300 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(150),
        (ops, mult, nodes) => {
          const finishedReal: string[] = [];
          const finishedReference: string[] = [];
          const real = new BroadcastQueue(mult, () => nodes);
          const reference = new ReferenceQueue(mult, () => nodes, finishedReference);
          let serial = 0;
          for (const step of ops) {
            if (step.kind === 'queue') {
              const label = `m${serial++}`;
              const message = new Uint8Array(step.length).fill(serial & 0xff);
              real.queue({ node: `n${step.node}`, message, onFinished: () => finishedReal.push(label) });
              reference.queue(`n${step.node}`, message, label);
            } else {
              const got = real.take(step.overhead, step.limit);
              const want = reference.take(step.overhead, step.limit);
              assert.equal(got.length, want.length);
              for (const [i, message] of got.entries()) assert.equal(message, want[i]);
            }
            assert.equal(real.length, reference.length);
            assert.deepEqual(finishedReal, finishedReference);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reset finishes everything once', () => {
    const finished: string[] = [];
    const queue = new BroadcastQueue(4, () => 100);
    for (const node of ['a', 'b', 'c'])
      queue.queue({ node, message: new Uint8Array(3), onFinished: () => finished.push(node) });
    queue.take(0, 4);
    queue.reset();
    assert.deepEqual(finished.sort(), ['a', 'b', 'c']);
    assert.equal(queue.length, 0);
    assert.deepEqual(queue.take(0, 100), []);
  });
});
