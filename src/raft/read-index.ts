import { quorumSize } from './quorum.ts';
import type { ServerId } from './types.ts';

/** A linearizable read waiting for its leadership check (thesis §6.4, etcd read_only.go). */
export interface ReadRequest {
  /** The commit index when the request arrived: the read is served once applied reaches it. */
  index: number;
  context: number;
  /** Who asked: this server, or the follower that forwarded it. */
  from: ServerId;
}

interface Round {
  number: number;
  requests: ReadRequest[];
  acks: Set<ServerId>;
  /** Heartbeats for this round have been handed to the shell: later requests need a new round. */
  sent: boolean;
}

/**
 * ReadIndex rounds. A request is confirmed once a quorum answers a heartbeat sent *after* it
 * arrived; requests arriving before a round's heartbeats leave share that round, so a burst of
 * reads costs one heartbeat round rather than one each. An acknowledgement of round n also
 * acknowledges every earlier round (its heartbeat left later), so rounds confirm in order.
 */
export class ReadIndexRounds {
  private rounds: Round[] = [];
  private lastRoundNumber = 0;

  /** Adds a request; returns the round number whose heartbeats must be sent, if a new one. */
  add(request: ReadRequest, self: ServerId): number | undefined {
    const open = this.rounds.at(-1);
    if (open !== undefined && !open.sent) {
      open.requests.push(request);
      return undefined;
    }
    const round: Round = {
      number: ++this.lastRoundNumber,
      requests: [request],
      acks: new Set([self]),
      sent: false,
    };
    this.rounds.push(round);
    return round.number;
  }

  /** The shell now has this round's heartbeats. */
  markSent(): void {
    for (const round of this.rounds) round.sent = true;
  }

  /** The newest round's number, carried by heartbeats so followers echo it. */
  get latestRound(): number {
    return this.rounds.at(-1)?.number ?? 0;
  }

  /**
   * Records `from`'s acknowledgement of every round up to `roundNumber`; returns the requests
   * of the rounds now confirmed by a quorum of `voters` (`self` counts when it is a voter).
   */
  acknowledge(from: ServerId, roundNumber: number, voters: readonly ServerId[]): ReadRequest[] {
    const voterSet = new Set(voters);
    if (!voterSet.has(from)) return [];
    for (const round of this.rounds) {
      if (round.number > roundNumber) break;
      round.acks.add(from);
    }
    return this.releaseConfirmed(voterSet);
  }

  /** Releases rounds already confirmed (e.g. a single voter, or after a configuration change). */
  releaseConfirmed(voters: ReadonlySet<ServerId>): ReadRequest[] {
    const needed = quorumSize(voters.size);
    let confirmedThrough = -1;
    this.rounds.forEach((round, position) => {
      let count = 0;
      for (const id of round.acks) if (voters.has(id)) count++;
      if (count >= needed) confirmedThrough = position;
    });
    if (confirmedThrough < 0) return [];
    const released = this.rounds.slice(0, confirmedThrough + 1).flatMap((round) => round.requests);
    this.rounds = this.rounds.slice(confirmedThrough + 1);
    return released;
  }

  /** Leadership lost: every waiting request fails (the shell rejects its waiters). */
  clear(): void {
    this.rounds = [];
  }

  get pendingCount(): number {
    return this.rounds.reduce((sum, round) => sum + round.requests.length, 0);
  }
}
