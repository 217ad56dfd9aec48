/**
 * TCP's handshake under packet loss, for simulated gossip pools. `SimGossipNetwork` loses
 * datagrams but keeps streams reliable; on a real lossy network a stream is not free either: the
 * SYN and the SYN-ACK are each lost with the packet-loss probability, and every loss costs
 * Linux's initial retransmission timeout (1 s, RFC 6298 §2.1, doubling after each retry). A
 * stream whose handshake cannot finish within its `timeoutMs` fails — which is how loss defeats
 * memberlist's TCP fallback ping (its deadline is one probe interval), while push/pull (10 s)
 * only gets slower. Without this, the fallback would mask nearly every lost ping and a
 * "no false failures under loss" test would hardly exercise suspicion and refutation.
 *
 * A wrapper around any `GossipTransport`; decisions come from one seeded random source, at the
 * sender, so a run stays a function of its seed.
 */
import type {
  GossipAddress,
  GossipTransport,
  GossipTransportHandler,
  StreamRequestOptions,
} from '../ports/gossip-transport.ts';
import type { Random } from '../ports/random.ts';
import type { SimScheduler } from './scheduler.ts';

const INITIAL_RTO_MS = 1_000;

export class TcpHandshakeLoss {
  /** Probability that one handshake segment is lost (set it to the network's packet loss). */
  loss = 0;
  /** Streams that failed because their handshake outlasted their timeout. */
  streamsFailed = 0;
  /** Streams delayed by at least one retransmission. */
  streamsDelayed = 0;
  /** Set when this model creates or settles a promise (as SimGossipNetwork.asyncActivity). */
  asyncActivity = false;

  constructor(
    private readonly scheduler: SimScheduler,
    private readonly random: Random,
  ) {}

  /** `inner`, with this handshake model applied to the streams it opens. */
  wrap(inner: GossipTransport): GossipTransport {
    return new HandshakeLossTransport(this, inner);
  }

  /** How long a handshake takes: 0 without loss, + RTO per lost SYN or SYN-ACK. */
  handshakeDelayMs(): number {
    if (this.loss === 0) return 0;
    let delay = 0;
    for (let segment = 0; segment < 2; segment++) {
      let rto = INITIAL_RTO_MS;
      // Bounded: past two minutes every stream timeout has long expired.
      while (this.random.next() < this.loss && delay < 120_000) {
        delay += rto;
        rto *= 2;
      }
    }
    return delay;
  }

  fail(afterMs: number, to: GossipAddress): Promise<never> {
    this.streamsFailed++;
    this.asyncActivity = true;
    return new Promise((_, reject) =>
      this.scheduler.after(afterMs, () => {
        this.asyncActivity = true;
        reject(new Error(`dial tcp ${to.host}:${to.port}: i/o timeout (handshake lost)`));
      }),
    );
  }

  delay<T>(delayMs: number, run: () => Promise<T>): Promise<T> {
    this.streamsDelayed++;
    this.asyncActivity = true;
    return new Promise((resolve, reject) =>
      this.scheduler.after(delayMs, () => {
        this.asyncActivity = true;
        run().then(resolve, reject);
      }),
    );
  }
}

class HandshakeLossTransport implements GossipTransport {
  constructor(
    private readonly model: TcpHandshakeLoss,
    private readonly inner: GossipTransport,
  ) {}

  listen(handler: GossipTransportHandler): Promise<void> {
    return this.inner.listen(handler);
  }

  localAddress(): GossipAddress {
    return this.inner.localAddress();
  }

  sendPacket(to: GossipAddress, packet: Uint8Array): void {
    this.inner.sendPacket(to, packet);
  }

  request(
    to: GossipAddress,
    message: Uint8Array,
    options: StreamRequestOptions,
  ): Promise<Uint8Array | undefined> {
    const delay = this.model.handshakeDelayMs();
    if (delay === 0) return this.inner.request(to, message, options);
    if (delay >= options.timeoutMs) return this.model.fail(options.timeoutMs, to);
    return this.model.delay(delay, () =>
      this.inner.request(to, message, { ...options, timeoutMs: options.timeoutMs - delay }),
    );
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
