import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { dialErrorText, isTlsError, splitHostPort, tlsErrorText } from './go-errors.ts';

/** Consul's `OutgoingTLSConfigForCheck`: the server name to verify (empty: the dialled host) and skip-verify. */
export interface DialTls {
  serverName: string;
  skipVerify: boolean;
  /** ALPN protocols offered; HTTP/2 probes offer `h2`, as Go's http2 and gRPC clients do. */
  alpnProtocols?: string[];
}

/**
 * How a dial ended. A failure says which layer failed, because callers word them apart
 * (gRPC: "Error while dialing" versus "authentication handshake failed").
 */
export type DialOutcome = { ok: true; socket: Socket } | { ok: false; layer: 'tcp' | 'tls'; message: string };

export interface Dialing {
  readonly outcome: Promise<DialOutcome>;
  /** True once the TCP connection is up: a timeout after that is the TLS handshake's. */
  connected(): boolean;
  /** Destroys the socket whatever its state; safe to call more than once. */
  close(): void;
}

/**
 * Opens a TCP connection to `host:port`, then a TLS session when `tls` is given. Never rejects;
 * errors are worded as Go's dialer and crypto/tls word them. The deadline is the caller's: it
 * calls `close()` when the probe stops.
 */
export function dialTcp(address: string, tls: DialTls | undefined): Dialing {
  const target = splitHostPort(address);
  if ('error' in target) {
    const outcome: DialOutcome = { ok: false, layer: 'tcp', message: `dial tcp: ${target.error}` };
    return { outcome: Promise.resolve(outcome), connected: () => false, close: () => {} };
  }
  const socket =
    tls === undefined
      ? netConnect({ host: target.host, port: target.port })
      : tlsConnect({
          host: target.host,
          port: target.port,
          // Unset, Node sends no SNI for an IP and verifies against the host, as Go does.
          ...(tls.serverName === '' ? {} : { servername: tls.serverName }),
          rejectUnauthorized: !tls.skipVerify,
          ...(tls.alpnProtocols === undefined ? {} : { ALPNProtocols: tls.alpnProtocols }),
        });
  let connected = false;
  socket.once('connect', () => {
    connected = true;
  });
  const outcome = new Promise<DialOutcome>((resolve) => {
    socket.once(tls === undefined ? 'connect' : 'secureConnect', () => resolve({ ok: true, socket }));
    // Stays attached: a late error on a socket nobody reads must not crash the agent.
    socket.on('error', (error) => {
      if (tls !== undefined && (connected || isTlsError(error))) {
        resolve({ ok: false, layer: 'tls', message: tlsErrorText(error) });
      } else {
        resolve({ ok: false, layer: 'tcp', message: dialErrorText('tcp', address, error) });
      }
    });
    // Closed without an error before it was ready: the peer hung up mid-handshake.
    socket.once('close', () =>
      resolve({ ok: false, layer: tls === undefined ? 'tcp' : 'tls', message: 'EOF' }),
    );
  });
  return { outcome, connected: () => connected, close: () => socket.destroy() };
}
