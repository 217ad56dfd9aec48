import type { KvEntry } from '../model/records.ts';
import type { KvTable } from '../state/kv.ts';
import { type TxnKvOperation, TxnKvVerb } from './commands.ts';

/** The transaction verbs that only read or check (Consul's `Txn.Read` path takes these alone). */
export const TXN_READ_VERBS: ReadonlySet<string> = new Set<string>([
  TxnKvVerb.get,
  TxnKvVerb.getOrEmpty,
  TxnKvVerb.getTree,
  TxnKvVerb.checkIndex,
  TxnKvVerb.checkSession,
  TxnKvVerb.checkNotExists,
]);

/**
 * One read or check op of a KV transaction (the read verbs of Consul's `txnKVS`): pushes its
 * results and answers an error text, or undefined on success. The FSM runs it inside write
 * transactions and the HTTP layer for read-only ones, so both answer alike. Checks return the
 * entry without its value; only the gets carry values.
 */
export function applyTxnRead(
  kv: Pick<KvTable, 'get' | 'list'>,
  op: TxnKvOperation,
  results: KvEntry[],
): string | undefined {
  const existing = () => kv.get(op.Key).value;
  switch (op.Verb) {
    case TxnKvVerb.get: {
      const found = existing();
      if (found === undefined) return `key "${op.Key}" doesn't exist`;
      results.push(found);
      return undefined;
    }
    case TxnKvVerb.getOrEmpty:
      results.push(
        existing() ?? {
          Key: op.Key,
          Flags: op.Flags,
          Value: null,
          Session: '',
          LockIndex: 0,
          CreateIndex: 0,
          ModifyIndex: 0,
        },
      );
      return undefined;
    case TxnKvVerb.getTree:
      results.push(...kv.list(op.Key).value);
      return undefined;
    case TxnKvVerb.checkIndex: {
      const found = existing();
      if (found === undefined) return `key "${op.Key}" doesn't exist`;
      if (found.ModifyIndex !== op.Index) return `current modify index ${found.ModifyIndex} != ${op.Index}`;
      results.push({ ...found, Value: null });
      return undefined;
    }
    case TxnKvVerb.checkSession: {
      const found = existing();
      if (found === undefined) return `key "${op.Key}" doesn't exist`;
      if (found.Session !== op.Session) return `current session "${found.Session}" != "${op.Session}"`;
      results.push({ ...found, Value: null });
      return undefined;
    }
    case TxnKvVerb.checkNotExists:
      return existing() === undefined ? undefined : `key "${op.Key}" exists`;
    default:
      return `unknown KV verb "${op.Verb}"`;
  }
}
