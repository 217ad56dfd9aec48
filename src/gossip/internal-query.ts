import { encodeBase64 } from '../lib/base64.ts';
import type { Logger } from '../ports/logger.ts';
import type { Keyring } from './keyring.ts';
import {
  decodeKeyRequest,
  encodeConflictResponse,
  encodeKeyResponse,
  type KeyResponse,
  type WireMember,
} from './serf-wire.ts';

/**
 * serf's internal queries (reference §10 step 5): names starting `_serf_` are answered by the
 * serf layer itself and never shown to the application. `_serf_ping` needs only the ack (sent
 * before this runs); `_serf_conflict` asks which address a node name belongs to; the key
 * queries change or list this node's gossip keyring, answering `[8]{Keys, Message, PrimaryKey,
 * Result}` in serf's wording so `serf keys` on a real agent reads Cairn's answers.
 */

export const INTERNAL_QUERY_PREFIX = '_serf_';

export const InternalQuery = {
  ping: '_serf_ping',
  conflict: '_serf_conflict',
  installKey: '_serf_install-key',
  useKey: '_serf_use-key',
  removeKey: '_serf_remove-key',
  listKeys: '_serf_list-keys',
} as const;

export function isInternalQuery(name: string): boolean {
  return name.startsWith(INTERNAL_QUERY_PREFIX);
}

export interface InternalQueryContext {
  localName: string;
  /** Absent when gossip encryption is off. */
  keyring: Keyring | undefined;
  wireMember(name: string): WireMember | null;
  logger: Logger;
  /** The keyring changed (install, use, remove succeeded): persist it if the owner keeps a file. */
  onKeyringChange?: () => void;
}

/** The response payload for an internal query, or `undefined` when this node stays silent. */
export function answerInternalQuery(
  name: string,
  payload: Uint8Array | null,
  context: InternalQueryContext,
): Uint8Array | undefined {
  switch (name) {
    case InternalQuery.ping:
      return undefined;
    case InternalQuery.conflict: {
      const nodeName = new TextDecoder().decode(payload ?? new Uint8Array(0));
      // The querier is asking about itself; only third parties get to vote.
      if (nodeName === context.localName) return undefined;
      return encodeConflictResponse(context.wireMember(nodeName));
    }
    case InternalQuery.installKey:
      return encodeKeyResponse(changeKeyring('install', payload, context));
    case InternalQuery.useKey:
      return encodeKeyResponse(changeKeyring('use', payload, context));
    case InternalQuery.removeKey:
      return encodeKeyResponse(changeKeyring('remove', payload, context));
    case InternalQuery.listKeys:
      return encodeKeyResponse(listKeys(context));
    default:
      context.logger.warn({ query: name }, 'Unhandled internal query');
      return undefined;
  }
}

const VERB = { install: 'install', use: 'change primary', remove: 'remove' } as const;

function changeKeyring(
  operation: 'install' | 'use' | 'remove',
  payload: Uint8Array | null,
  context: InternalQueryContext,
): KeyResponse {
  const response: KeyResponse = { keys: [], message: '', primaryKey: '', result: false };
  let key: Uint8Array | null;
  try {
    key = payload === null ? null : decodeKeyRequest(payload).key;
  } catch (error) {
    context.logger.error({ error: String(error) }, 'Failed to decode key request');
    response.message = 'Failed to decode key request';
    return response;
  }
  const keyring = context.keyring;
  if (keyring === undefined) {
    response.message = 'No keyring to modify (encryption not enabled)';
    context.logger.error({}, response.message);
    return response;
  }
  context.logger.info({ operation }, `Received ${operation}-key query`);
  try {
    if (key === null) throw new Error('no key in the request');
    if (operation === 'install') keyring.install(key);
    else if (operation === 'use') keyring.use(key);
    else keyring.remove(key);
  } catch (error) {
    response.message = error instanceof Error ? error.message : String(error);
    context.logger.error({ error: response.message }, `Failed to ${VERB[operation]} key`);
    return response;
  }
  context.onKeyringChange?.();
  response.result = true;
  return response;
}

function listKeys(context: InternalQueryContext): KeyResponse {
  const keyring = context.keyring;
  if (keyring === undefined)
    return { keys: [], message: 'Keyring is empty (encryption not enabled)', primaryKey: '', result: false };
  context.logger.info({}, 'Received list-keys query');
  return {
    keys: keyring.keys().map(encodeBase64),
    message: '',
    primaryKey: encodeBase64(keyring.primary()),
    result: true,
  };
}
