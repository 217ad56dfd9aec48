import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GossipAddress, GossipTransport, GossipTransportHandler } from '../ports/gossip-transport.ts';
import { runGossipSimulation, SimGossipNetwork } from './gossip-network.ts';
import { SimScheduler } from './scheduler.ts';
import { SeededRandom } from './seeded-random.ts';

interface Recorded {
  packets: { from: string; bytes: number[]; atMs: number }[];
}

async function node(
  network: SimGossipNetwork,
  scheduler: SimScheduler,
  port: number,
  reply?: (message: Uint8Array) => Promise<Uint8Array | undefined>,
): Promise<{ transport: GossipTransport; recorded: Recorded }> {
  const recorded: Recorded = { packets: [] };
  const transport = network.transport({ host: '10.0.0.1', port });
  const handler: GossipTransportHandler = {
    onPacket(from: GossipAddress, packet: Uint8Array) {
      recorded.packets.push({ from: `${from.host}:${from.port}`, bytes: [...packet], atMs: scheduler.nowMs });
    },
    onStream: async (_from, message) => (reply ? reply(message) : Uint8Array.of(...message, 0xff)),
    streamFrameLength: () => undefined,
  };
  await transport.listen(handler);
  return { transport, recorded };
}

function setup(options = { minLatencyMs: 2, maxLatencyMs: 4, lossRate: 0 }) {
  const scheduler = new SimScheduler();
  const network = new SimGossipNetwork(scheduler, new SeededRandom(7), options);
  return { scheduler, network };
}

describe('SimGossipNetwork', () => {
  it('delivers packets after a latency within the bounds, with the sender address', async () => {
    const { scheduler, network } = setup();
    const a = await node(network, scheduler, 1);
    const b = await node(network, scheduler, 2);
    for (let i = 0; i < 20; i++) a.transport.sendPacket({ host: '10.0.0.1', port: 2 }, Uint8Array.of(i));
    await runGossipSimulation(scheduler, 1000);
    assert.equal(b.recorded.packets.length, 20);
    assert.ok(b.recorded.packets.every((p) => p.from === '10.0.0.1:1' && p.atMs >= 2 && p.atMs <= 4));
    assert.equal(network.stats.packetsDelivered, 20);
    assert.equal(network.stats.bytesSent, 20);
  });

  it('loses about lossRate of the packets', async () => {
    const { scheduler, network } = setup({ minLatencyMs: 1, maxLatencyMs: 1, lossRate: 0.25 });
    const a = await node(network, scheduler, 1);
    const b = await node(network, scheduler, 2);
    for (let i = 0; i < 4000; i++) a.transport.sendPacket({ host: '10.0.0.1', port: 2 }, Uint8Array.of(1));
    await runGossipSimulation(scheduler, 1000);
    const lost = 4000 - b.recorded.packets.length;
    assert.ok(lost > 850 && lost < 1150, `lost ${lost}`);
    network.setLoss(0);
    a.transport.sendPacket({ host: '10.0.0.1', port: 2 }, Uint8Array.of(2));
    await runGossipSimulation(scheduler, 2000);
    assert.deepEqual(b.recorded.packets.at(-1)?.bytes, [2]);
  });

  it('partitions cut both ways until heal; down nodes neither send nor receive', async () => {
    const { scheduler, network } = setup();
    const a = await node(network, scheduler, 1);
    const b = await node(network, scheduler, 2);
    const c = await node(network, scheduler, 3);
    const to = (port: number) => ({ host: '10.0.0.1', port });
    network.partition(['10.0.0.1:1'], ['10.0.0.1:2']);
    a.transport.sendPacket(to(2), Uint8Array.of(1));
    b.transport.sendPacket(to(1), Uint8Array.of(1));
    a.transport.sendPacket(to(3), Uint8Array.of(1));
    await runGossipSimulation(scheduler, 100);
    assert.equal(a.recorded.packets.length + b.recorded.packets.length, 0);
    assert.equal(c.recorded.packets.length, 1);
    network.heal();
    network.down('10.0.0.1:3');
    a.transport.sendPacket(to(2), Uint8Array.of(1));
    a.transport.sendPacket(to(3), Uint8Array.of(1));
    c.transport.sendPacket(to(1), Uint8Array.of(1));
    await runGossipSimulation(scheduler, 200);
    assert.equal(b.recorded.packets.length, 1);
    assert.equal(c.recorded.packets.length, 1);
    assert.equal(a.recorded.packets.length, 0);
    network.up('10.0.0.1:3');
    a.transport.sendPacket(to(3), Uint8Array.of(1));
    await runGossipSimulation(scheduler, 300);
    assert.equal(c.recorded.packets.length, 2);
  });

  it('answers streams, refuses them to down nodes and times them out across a partition', async () => {
    const { scheduler, network } = setup();
    const a = await node(network, scheduler, 1);
    await node(network, scheduler, 2);
    const to = { host: '10.0.0.1', port: 2 };
    const options = { timeoutMs: 1000, expectReply: true };
    const outcomes: string[] = [];
    const record = (label: string, p: Promise<Uint8Array | undefined>) =>
      p.then(
        (bytes) => outcomes.push(`${label} ok ${[...(bytes ?? [])]} @${scheduler.nowMs}`),
        (error: Error) => outcomes.push(`${label} ${error.message} @${scheduler.nowMs}`),
      );
    const first = record('reply', a.transport.request(to, Uint8Array.of(1, 2), options));
    await runGossipSimulation(scheduler, 100);
    await first;
    network.down('10.0.0.1:2');
    const second = record('down', a.transport.request(to, Uint8Array.of(1), options));
    await runGossipSimulation(scheduler, 200);
    await second;
    network.up('10.0.0.1:2');
    network.partition(['10.0.0.1:1'], ['10.0.0.1:2']);
    const third = record('partition', a.transport.request(to, Uint8Array.of(1), options));
    await runGossipSimulation(scheduler, 5000);
    await third;
    assert.equal(outcomes.length, 3);
    assert.match(outcomes[0] ?? '', /^reply ok 1,2,255 @([4-8])$/);
    assert.match(outcomes[1] ?? '', /^down .*connection refused @([5-9]|1[0-2])$/);
    assert.match(outcomes[2] ?? '', /^partition i\/o timeout .* @10(0[5-9]|1[0-2])$/);
    assert.equal(network.stats.streamsRefused, 1);
    assert.equal(network.stats.streamsTimedOut, 1);
  });
});
