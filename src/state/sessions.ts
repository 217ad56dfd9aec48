import type { Session } from '../model/records.ts';
import { type Read, type StoreContext, Table } from './context.ts';
import { StateError } from './errors.ts';

function byId(a: Session, b: Session): number {
  return a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0;
}

/**
 * Sessions, after Consul's `agent/consul/state/session.go`. A session is tied to a node and to
 * health checks; when it is invalidated (destroyed, its node removed, a check critical) the keys
 * it holds are released or deleted according to its behavior, and the leader is told to arm the
 * lock-delay on them.
 */
export class SessionTable {
  constructor(private readonly store: StoreContext) {}

  get(id: string): Read<Session | undefined> {
    return { value: this.store.tables.sessions.get(id), index: this.tableIndex(), watches: this.watches() };
  }

  list(): Read<Session[]> {
    return {
      value: [...this.store.tables.sessions.values()].sort(byId),
      index: this.tableIndex(),
      watches: this.watches(),
    };
  }

  forNode(node: string): Read<Session[]> {
    const sessions = [...this.store.tables.sessions.values()].filter((s) => s.Node === node).sort(byId);
    return { value: sessions, index: this.tableIndex(), watches: this.watches() };
  }

  private tableIndex(): number {
    return this.store.index(Table.sessions);
  }

  private watches() {
    return this.store.watchTopics(Table.sessions);
  }

  // --- writes ----------------------------------------------------------------------------------

  /** Creates a session. Its node and checks must exist, and no check may be critical. */
  create(session: Omit<Session, 'CreateIndex' | 'ModifyIndex'>): Session {
    const tables = this.store.tables;
    if (tables.sessions.has(session.ID)) throw new StateError(`Session ID "${session.ID}" is already in use`);
    if (!tables.nodes.has(session.Node)) throw new StateError('Missing node registration');
    const nodeChecks = tables.checks.get(session.Node);
    const linked = [...session.NodeChecks, ...(session.ServiceChecks ?? []).map((ref) => ref.ID)];
    for (const checkId of linked) {
      const check = nodeChecks?.get(checkId);
      if (check === undefined) throw new StateError(`Missing check '${checkId}' registration`);
      if (check.Status === 'critical') throw new StateError(`Check '${checkId}' is in critical state`);
    }
    const journal = this.store.journal();
    const stored: Session = { ...session, CreateIndex: journal.raftIndex, ModifyIndex: journal.raftIndex };
    journal.set(tables.sessions, stored.ID, stored);
    this.store.touch(Table.sessions);
    return stored;
  }

  /** Invalidates a session: releases or deletes what it holds. Unknown IDs change nothing. */
  destroy(id: string): void {
    const tables = this.store.tables;
    const session = tables.sessions.get(id);
    if (session === undefined) return;
    const journal = this.store.journal();
    const held = [...(tables.sessionLocks.get(id) ?? [])];
    for (const key of held) {
      if (session.Behavior === 'delete') this.store.kv.deleteForSession(key);
      else this.store.kv.releaseForSession(key);
    }
    journal.delete(tables.sessions, id);
    journal.delete(tables.sessionLocks, id);
    this.store.touch(Table.sessions);
    const onLockDelay = this.store.options.onLockDelay;
    if (held.length > 0 && session.LockDelay > 0 && onLockDelay !== undefined) {
      journal.afterCommit(() => onLockDelay(held, session.LockDelay));
    }
  }

  /** Invalidates every session of `node` (the node is being removed). */
  destroyForNode(node: string): void {
    for (const session of [...this.store.tables.sessions.values()])
      if (session.Node === node) this.destroy(session.ID);
  }

  /** Invalidates the sessions that depend on a check that went critical or away. */
  destroyForCheck(node: string, checkId: string): void {
    for (const session of [...this.store.tables.sessions.values()]) {
      if (session.Node !== node) continue;
      const linked =
        session.NodeChecks.includes(checkId) ||
        (session.ServiceChecks ?? []).some((ref) => ref.ID === checkId);
      if (linked) this.destroy(session.ID);
    }
  }
}
