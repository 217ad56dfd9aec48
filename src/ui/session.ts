/**
 * Who the UI is and which client it talks through: the ACL token (kept in the browser's
 * localStorage, as Consul's UI keeps it) and a `CairnClient` for the agent that served the page,
 * made per token and datacenter and handed to pages through a context.
 */

import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { CairnClient } from '../api-client/client.ts';

const TOKEN_KEY = 'cairn:token';
const tokenListeners = new Set<(token: string) => void>();

export function storedToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

/** Saves the token (empty: forget it); every client is rebuilt with it. */
export function saveToken(token: string): void {
  const trimmed = token.trim();
  try {
    if (trimmed === '') localStorage.removeItem(TOKEN_KEY);
    else localStorage.setItem(TOKEN_KEY, trimmed);
  } catch {
    // Storage may be off (private windows); the token then lasts until the page reloads.
  }
  for (const listener of tokenListeners) listener(trimmed);
}

export function useToken(): string {
  const [token, setToken] = useState(storedToken);
  useEffect(() => {
    tokenListeners.add(setToken);
    return () => {
      tokenListeners.delete(setToken);
    };
  }, []);
  return token;
}

/** A client for the agent at the page's origin: the HTTP API is at `/v1/` whatever the UI path. */
export function makeClient(token: string, datacenter: string | undefined): CairnClient {
  return new CairnClient({ address: location.origin, token, ...(datacenter ? { datacenter } : {}) });
}

export const ClientContext = createContext<CairnClient | undefined>(undefined);

/** The client of the current token and datacenter. */
export function useClient(): CairnClient {
  const client = useContext(ClientContext);
  if (client === undefined) throw new Error('useClient outside ClientContext');
  return client;
}
