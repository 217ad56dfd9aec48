import { MEMBERLIST_PROTOCOL, SERF_DELEGATE_PROTOCOL } from '../lib/version.ts';

/** memberlist's timing profiles (`DefaultLANConfig`, `DefaultWANConfig`, `DefaultLocalConfig`), in ms. */
export interface TimingProfile {
  probeIntervalMs: number;
  probeTimeoutMs: number;
  gossipIntervalMs: number;
  gossipNodes: number;
  suspicionMult: number;
  suspicionMaxTimeoutMult: number;
  retransmitMult: number;
  pushPullIntervalMs: number;
  gossipToTheDeadMs: number;
  tcpTimeoutMs: number;
  indirectChecks: number;
  awarenessMaxMultiplier: number;
  /** The piggyback budget of one datagram. */
  udpBufferSize: number;
  /** 0 = a dead node's name can never be taken by another address until it is reaped. */
  deadNodeReclaimMs: number;
}

const common = { awarenessMaxMultiplier: 8, udpBufferSize: 1400, deadNodeReclaimMs: 0 };

export const LAN_PROFILE: TimingProfile = {
  ...common,
  probeIntervalMs: 1000,
  probeTimeoutMs: 500,
  gossipIntervalMs: 200,
  gossipNodes: 3,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  retransmitMult: 4,
  pushPullIntervalMs: 30_000,
  gossipToTheDeadMs: 30_000,
  tcpTimeoutMs: 10_000,
  indirectChecks: 3,
};

export const WAN_PROFILE: TimingProfile = {
  ...common,
  probeIntervalMs: 5000,
  probeTimeoutMs: 3000,
  gossipIntervalMs: 500,
  gossipNodes: 4,
  suspicionMult: 6,
  suspicionMaxTimeoutMult: 6,
  retransmitMult: 4,
  pushPullIntervalMs: 60_000,
  gossipToTheDeadMs: 60_000,
  tcpTimeoutMs: 30_000,
  indirectChecks: 3,
};

export const LOCAL_PROFILE: TimingProfile = {
  ...common,
  probeIntervalMs: 1000,
  probeTimeoutMs: 200,
  gossipIntervalMs: 100,
  gossipNodes: 3,
  suspicionMult: 3,
  suspicionMaxTimeoutMult: 6,
  retransmitMult: 2,
  pushPullIntervalMs: 15_000,
  gossipToTheDeadMs: 15_000,
  tcpTimeoutMs: 1000,
  indirectChecks: 1,
};

export const PROFILES = { lan: LAN_PROFILE, wan: WAN_PROFILE, local: LOCAL_PROFILE } as const;
export type ProfileName = keyof typeof PROFILES;

/**
 * `Vsn` in every alive and push/pull entry: [pmin, pmax, pcur, dmin, dmax, dcur] =
 * [1, 5, 2, 2, 5, 5]. memberlist protocol 2 (what serf 0.9 speaks), serf delegate protocol 5
 * (what the serf agent speaks).
 */
export const LOCAL_VSN: Uint8Array = Uint8Array.of(
  MEMBERLIST_PROTOCOL.min,
  MEMBERLIST_PROTOCOL.max,
  MEMBERLIST_PROTOCOL.current,
  SERF_DELEGATE_PROTOCOL.min,
  SERF_DELEGATE_PROTOCOL.max,
  5,
);

/** memberlist's wire limits (net.go). */
export const LIMITS = {
  metaMaxSize: 512,
  maxPushStateBytes: 20 * 1024 * 1024,
  maxPushPullRequests: 128,
  compoundHeaderOverhead: 2,
  compoundOverhead: 2,
  userMsgOverhead: 1,
  /** Cairn's cap on a decompressed buffer (0.2.2 has none; later versions do). */
  maxDecompressedBytes: 20 * 1024 * 1024,
  maxCompoundParts: 255,
} as const;
