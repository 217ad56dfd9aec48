import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodedLength, encodeReply } from './codec.ts';
import { fits, fitToTransport } from './truncate.ts';
import { type DnsReply, Rcode, type ResourceRecord, RRType } from './wire.ts';

function address(i: number, name = 'web.service.consul.'): ResourceRecord {
  return { type: RRType.A, name, ttl: 0, address: Uint8Array.of(10, 0, i >> 8, i & 0xff) };
}

/** A reply with `count` A answers, or SRV answers each with its target's A record in Additional. */
function reply(count: number, type: number = RRType.A, udpSize?: number): DnsReply {
  const answer: ResourceRecord[] = [];
  const additional: ResourceRecord[] = [];
  for (let i = 0; i < count; i++) {
    if (type === RRType.SRV) {
      const target = `node-${i}.node.dc1.consul.`;
      answer.push({
        type: RRType.SRV,
        name: 'web.service.consul.',
        ttl: 0,
        priority: 1,
        weight: 1,
        port: 80,
        target,
      });
      additional.push(address(i, target));
    } else {
      answer.push(address(i));
    }
  }
  return {
    id: 1,
    opcode: 0,
    rcode: Rcode.NOERROR,
    authoritative: true,
    truncated: false,
    recursionDesired: true,
    recursionAvailable: false,
    question: { name: 'web.service.consul.', type, class: 1 },
    answer,
    authority: [
      {
        type: RRType.SOA,
        name: 'consul.',
        ttl: 0,
        mname: 'ns.consul.',
        rname: 'hostmaster.consul.',
        serial: 1,
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minimum: 0,
      },
    ],
    additional,
    ...(udpSize === undefined ? {} : { edns: { udpSize, version: 0, dnssecOk: false } }),
  };
}

const udp = { transport: 'udp' as const, udpAnswerLimit: 3, enableTruncate: false, compress: true };

test('UDP without EDNS: udp_answer_limit answers, TC only with enable_truncate', () => {
  const plain = reply(10);
  assert.equal(fitToTransport(plain, udp), true);
  assert.equal(plain.answer.length, 3);
  assert.equal(plain.truncated, false);
  const flagged = reply(10);
  fitToTransport(flagged, { ...udp, enableTruncate: true });
  assert.equal(flagged.truncated, true);
  const five = reply(10);
  fitToTransport(five, { ...udp, udpAnswerLimit: 5 });
  assert.equal(five.answer.length, 5);
  // Never more than 8, whatever the setting.
  const many = reply(20);
  fitToTransport(many, { ...udp, udpAnswerLimit: 50 });
  assert.equal(many.answer.length, 8);
  const few = reply(3);
  assert.equal(fitToTransport(few, udp), false);
  assert.equal(few.answer.length, 3);
});

test('SRV answers keep only the Additional records their targets need', () => {
  const srv = reply(10, RRType.SRV);
  fitToTransport(srv, udp);
  assert.equal(srv.answer.length, 3);
  assert.deepEqual(
    srv.additional.map((record) => record.name),
    srv.answer.map((record) => (record.type === RRType.SRV ? record.target : '')),
  );
  assert.ok(encodeReply(srv).length <= 512);
});

test('with EDNS the advertised size is the limit; over 512 bytes answers go by size, not count', () => {
  const big = reply(200, RRType.A, 1232);
  assert.equal(fitToTransport(big, udp), true);
  assert.ok(big.answer.length > 8);
  assert.ok(encodedLength(big) <= 1232 - 8, `${encodedLength(big)}`);
  // The next answer would not have fitted (within the 10-byte slack Consul's search allows).
  assert.ok(encodedLength(reply(big.answer.length + 1, RRType.A, 1232)) > 1232 - 8 - 10);
  const all = reply(10, RRType.A, 4096);
  assert.equal(fitToTransport(all, udp), false);
  assert.equal(all.answer.length, 10);
});

test('TCP carries up to 64 KiB: everything that fits, and the SRV cap of 1024', () => {
  const fits = reply(500, RRType.SRV);
  assert.equal(fitToTransport(fits, { ...udp, transport: 'tcp' }), false);
  assert.equal(fits.answer.length, 500);
  const huge = reply(5000, RRType.SRV);
  assert.equal(fitToTransport(huge, { ...udp, transport: 'tcp' }), true);
  assert.ok(huge.answer.length <= 1024);
  assert.ok(encodedLength(huge) <= 65_523);
  assert.equal(huge.additional.length, huge.answer.length);
});

test('an EDNS size of 512 or less counts as no EDNS: the answer limit applies', () => {
  const small = reply(10, RRType.A, 512);
  fitToTransport(small, udp);
  assert.equal(small.answer.length, 3);
});

test('fits says exactly when fitting would change nothing', () => {
  for (const transport of ['udp', 'tcp'] as const) {
    for (const type of [RRType.A, RRType.SRV]) {
      for (const count of [0, 1, 3, 4, 8, 9, 30, 200, 1100, 5000]) {
        for (const udpSize of [undefined, 512, 1232, 4096]) {
          const options = { ...udp, transport };
          const candidate = reply(count, type, udpSize);
          const said = fits(candidate, encodedLength(candidate), options);
          const changed = fitToTransport(candidate, options);
          const label = `${transport} ${type} ${count} ${udpSize}`;
          assert.equal(said, !changed, label);
        }
      }
    }
  }
});
