import type { Message, ServerId } from '../raft/types.ts';

/**
 * Message delivery between Raft servers. Best effort by contract: Raft tolerates loss,
 * duplication and reordering, so `send` never blocks or throws for an unreachable peer; it drops
 * and reports (via `onUnreachable`) instead. src/io/tcp-raft-transport.ts is the real one; the
 * simulator has its own network.
 */
export interface RaftTransport {
  /** Queues `message` for `message.to` at `address`. */
  send(message: Message, address: string): void;
  /** Called for every message received from a peer. */
  onMessage(handler: (message: Message) => void): void;
  /** Called when a peer cannot be reached (connection refused or lost, queue full). */
  onUnreachable(handler: (peer: ServerId) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
