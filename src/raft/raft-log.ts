import { assert } from '../lib/assert.ts';
import type { Entry } from './types.ts';

/**
 * The in-memory log of one server: the entries after the last compaction point, with the index
 * and term of the entry just before them (the snapshot's, or 0/0 for a log that starts at 1).
 *
 * Three positions move through it, never backwards except as stated:
 *   stable ≤ last    entries up to `stable` are durable (persisted by the shell); a conflict
 *                     truncation can pull `stable` back, because the stored suffix is discarded
 *   applied ≤ commit entries up to `commit` are known committed; up to `applied` were handed to
 *                     the FSM
 * The whole log is kept in memory (bounded by snapshot threshold + trailing logs), so the core
 * never reads storage: storage is written by the shell and read back only at start.
 */
export class RaftLog {
  /** Index of the entry just before `entries[0]`. */
  private offsetIndex: number;
  /** Term of that entry. */
  private offsetTerm: number;
  private entries: Entry[];
  commit: number;
  applied: number;
  stable: number;

  constructor(options: {
    offsetIndex: number;
    offsetTerm: number;
    entries: Entry[];
    commit: number;
  }) {
    this.offsetIndex = options.offsetIndex;
    this.offsetTerm = options.offsetTerm;
    this.entries = options.entries;
    options.entries.forEach((entry, position) => {
      assert(entry.index === options.offsetIndex + 1 + position, 'recovered log is not contiguous');
    });
    this.stable = this.lastIndex;
    this.commit = Math.min(Math.max(options.commit, options.offsetIndex), this.lastIndex);
    this.applied = options.offsetIndex;
  }

  /** The first index still held in memory. */
  get firstIndex(): number {
    return this.offsetIndex + 1;
  }

  get lastIndex(): number {
    return this.offsetIndex + this.entries.length;
  }

  get lastTerm(): number {
    return this.term(this.lastIndex) ?? 0;
  }

  /** The compaction point: entries up to here are only in the snapshot. */
  get compactedIndex(): number {
    return this.offsetIndex;
  }

  /** The term of entry `index`, or undefined when it is compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.offsetIndex) return this.offsetTerm;
    if (index < this.offsetIndex || index > this.lastIndex) return undefined;
    return this.entries[index - this.offsetIndex - 1]?.term;
  }

  entry(index: number): Entry | undefined {
    if (index <= this.offsetIndex) return undefined;
    return this.entries[index - this.offsetIndex - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Whether a candidate's log, ending at (`index`, `term`), is at least as up to date (§5.4.1). */
  isUpToDate(index: number, term: number): boolean {
    return term > this.lastTerm || (term === this.lastTerm && index >= this.lastIndex);
  }

  /**
   * Entries in [from, to] (inclusive), stopping once `maxBytes` of command data is exceeded
   * (always at least one entry, so a large entry still moves).
   */
  slice(from: number, to: number, maxBytes = Number.POSITIVE_INFINITY): Entry[] {
    assert(from > this.offsetIndex, `slice from ${from} is compacted (first ${this.firstIndex})`);
    const end = Math.min(to, this.lastIndex);
    const result: Entry[] = [];
    let bytes = 0;
    for (let index = from; index <= end; index++) {
      const entry = this.entries[index - this.offsetIndex - 1];
      assert(entry !== undefined, 'log hole');
      bytes += entry.data.byteLength;
      if (result.length > 0 && bytes > maxBytes) break;
      result.push(entry);
    }
    return result;
  }

  /** Appends entries following the last one (a leader's own proposals). */
  append(entries: Entry[]): void {
    for (const entry of entries) {
      assert(entry.index === this.lastIndex + 1, 'append must continue the log');
      this.entries.push(entry);
    }
  }

  /**
   * A follower's AppendEntries step (§5.3): entries already present with the same term are
   * skipped; at the first conflict the log is cut there and the rest appended. Returns the
   * index of the first entry truncated, or undefined when nothing was cut.
   */
  appendFromLeader(entries: Entry[]): number | undefined {
    let position = 0;
    while (position < entries.length) {
      const entry = entries[position] as Entry;
      const existing = this.term(entry.index);
      if (existing === undefined || existing !== entry.term) break;
      position++;
    }
    if (position === entries.length) return undefined;
    const first = entries[position] as Entry;
    assert(first.index > this.commit, `conflict at ${first.index} below commit ${this.commit}`);
    assert(first.index <= this.lastIndex + 1, 'entries leave a gap');
    let truncatedAt: number | undefined;
    if (first.index <= this.lastIndex) {
      truncatedAt = first.index;
      this.entries.length = first.index - this.offsetIndex - 1;
      this.stable = Math.min(this.stable, first.index - 1);
    }
    for (let i = position; i < entries.length; i++) this.entries.push(entries[i] as Entry);
    return truncatedAt;
  }

  /**
   * Fast back-off (etcd's findConflictByTerm): the largest index ≤ `index` whose term is ≤
   * `term`, so a leader skips a whole run of a stale term in one round trip.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let candidate = Math.min(index, this.lastIndex); candidate > 0; candidate--) {
      const candidateTerm = this.term(candidate);
      // Compacted away: the term is unknown, so it may match; term 0 says "unknown" (as etcd
      // does). The answer must never exceed `index`, which the compaction point may.
      if (candidateTerm === undefined) return { index: candidate, term: 0 };
      if (candidateTerm <= term) return { index: candidate, term: candidateTerm };
    }
    return { index: 0, term: 0 };
  }

  commitTo(index: number): boolean {
    if (index <= this.commit) return false;
    assert(index <= this.lastIndex, `commit ${index} beyond last index ${this.lastIndex}`);
    this.commit = index;
    return true;
  }

  /** Committed, persisted entries not yet handed to the FSM. */
  applicable(maxBytes = Number.POSITIVE_INFINITY): Entry[] {
    // After restore() and until the shell has applied that snapshot, nothing follows it.
    if (this.applied < this.offsetIndex) return [];
    const to = Math.min(this.commit, this.stable);
    if (to <= this.applied) return [];
    return this.slice(this.applied + 1, to, maxBytes);
  }

  /** Whether `applicable()` would return anything (without building it). */
  hasApplicable(): boolean {
    return this.applied >= this.offsetIndex && Math.min(this.commit, this.stable) > this.applied;
  }

  /** Whether `unstable()` would return anything. */
  hasUnstable(): boolean {
    return Math.max(this.stable, this.offsetIndex) < this.lastIndex;
  }

  /** Entries not yet persisted (after restore(), those after the snapshot). */
  unstable(): Entry[] {
    const from = Math.max(this.stable, this.offsetIndex) + 1;
    if (from > this.lastIndex) return [];
    return this.slice(from, this.lastIndex);
  }

  /** Drops entries up to `index` (they live in a snapshot now). */
  compact(index: number): void {
    if (index <= this.offsetIndex) return;
    assert(index <= this.applied, `compact ${index} beyond applied ${this.applied}`);
    const term = this.term(index);
    assert(term !== undefined, 'compact point missing');
    this.entries = this.entries.slice(index - this.offsetIndex);
    this.offsetIndex = index;
    this.offsetTerm = term;
  }

  /** Replaces the whole log with a snapshot's position (InstallSnapshot, §7). */
  restore(index: number, term: number): void {
    this.entries = [];
    this.offsetIndex = index;
    this.offsetTerm = term;
    this.commit = index;
    this.stable = Math.min(this.stable, index);
    // `stable` and `applied` move when the shell has persisted and applied the snapshot.
  }

  /** The newest entry of kind `configuration` at or below `index`, if still in memory. */
  lastConfigurationEntry(index = this.lastIndex): Entry | undefined {
    for (let i = Math.min(index, this.lastIndex); i > this.offsetIndex; i--) {
      const entry = this.entries[i - this.offsetIndex - 1];
      if (entry?.kind === 'configuration') return entry;
    }
    return undefined;
  }
}
