/**
 * The leader's view of one follower's log (etcd tracker/progress.go), and the flow control that
 * keeps the leader from flooding it:
 *   probe      the leader does not know where the follower's log ends: one append at a time,
 *              the next only after a response (or a heartbeat response) arrives;
 *   replicate  the follower is keeping up: appends are pipelined, at most `maxInflight` unacked;
 *   snapshot   the follower needs a snapshot: nothing else is sent until it is installed.
 */
export const ProgressState = { probe: 'probe', replicate: 'replicate', snapshot: 'snapshot' } as const;
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState];

export class Progress {
  /** Highest index known to be stored on the follower. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = ProgressState.probe;
  /** In probe: an append is out and unanswered. */
  probeSent = false;
  /** In snapshot: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Last index of each unacknowledged append, oldest first (replicate state). */
  private inflight: number[] = [];
  /** Heard from since the last CheckQuorum round. */
  recentActive = true;
  /**
   * In replicate: the follower answered a heartbeat while the window was full, so one append
   * may go past it. Without this, a window of lost appends would never drain (nothing more is
   * sent, so nothing is acknowledged); the extra append's rejection reveals the gap (etcd
   * replicate_pause.txt, etcd-io/etcd#14633).
   */
  private windowOverride = false;

  constructor(
    next: number,
    private readonly maxInflight: number,
  ) {
    this.next = next;
  }

  get inflightCount(): number {
    return this.inflight.length;
  }

  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.probe:
        return this.probeSent;
      case ProgressState.replicate:
        return this.inflight.length >= this.maxInflight && !this.windowOverride;
      case ProgressState.snapshot:
        return true;
    }
  }

  becomeProbe(): void {
    this.windowOverride = false;
    if (this.state === ProgressState.snapshot) {
      // The snapshot (if it arrived) covers up to pendingSnapshot: continue after it.
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.state = ProgressState.probe;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflight = [];
  }

  becomeReplicate(): void {
    this.windowOverride = false;
    this.state = ProgressState.replicate;
    this.next = this.match + 1;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflight = [];
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.windowOverride = false;
    this.state = ProgressState.snapshot;
    this.pendingSnapshot = snapshotIndex;
    this.probeSent = false;
    this.inflight = [];
  }

  /** The follower answered a heartbeat: it is reachable, so let one append through. */
  resumeAfterHeartbeat(): void {
    if (this.state === ProgressState.probe) this.probeSent = false;
    else if (this.state === ProgressState.replicate && this.inflight.length >= this.maxInflight) {
      this.windowOverride = true;
    }
  }

  /** Records an append of entries up to `lastIndex` as sent. */
  sentAppend(lastIndex: number, entryCount: number): void {
    this.windowOverride = false;
    if (this.state === ProgressState.replicate) {
      if (entryCount > 0) {
        this.next = lastIndex + 1;
        this.inflight.push(lastIndex);
      }
    } else if (this.state === ProgressState.probe) {
      this.probeSent = true;
    }
  }

  /** An acknowledgement up to `index`; returns whether it told the leader something new. */
  acknowledge(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    while (this.inflight.length > 0 && (this.inflight[0] as number) <= index) this.inflight.shift();
    return updated;
  }

  /**
   * A rejection of the append that followed `rejectedIndex`; `hintIndex` is where the leader
   * should try next. Returns false for a stale rejection (of an append already superseded).
   */
  decreaseTo(rejectedIndex: number, hintIndex: number): boolean {
    if (this.state === ProgressState.replicate) {
      // Only the rejection of something after what the follower already matched counts.
      if (rejectedIndex <= this.match) return false;
      this.becomeProbe();
    } else if (this.next - 1 !== rejectedIndex) {
      return false;
    }
    this.next = Math.max(Math.min(rejectedIndex, hintIndex + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }
}
