/**
 * Lifeguard's local health awareness (reference §7.2; Lifeguard paper §IV-A): a score in
 * [0, max − 1] that rises when this node's own probes fail in ways that suggest it, not the
 * target, is slow (missed nacks, having to refute), and falls with each successful probe.
 * Timeouts are stretched by `score + 1`, so a struggling node accuses others less eagerly.
 */
export class Awareness {
  private score = 0;

  constructor(private readonly maxMultiplier: number) {}

  applyDelta(delta: number): void {
    this.score = Math.min(this.maxMultiplier - 1, Math.max(0, this.score + delta));
  }

  healthScore(): number {
    return this.score;
  }

  scaleTimeout(timeoutMs: number): number {
    return timeoutMs * (this.score + 1);
  }
}
