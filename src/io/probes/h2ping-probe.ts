import { type ClientHttp2Session, connect } from 'node:http2';
import type { H2PingProbeSpec, ProbeResult } from '../../ports/check-probe.ts';
import { ABORTED_RESULT, ProbeDeadline } from './deadline.ts';
import { dialTcp } from './dial.ts';
import { dialTimeoutText, HTTP2_PEER_NOT_HTTP2, nodeErrorFields } from './go-errors.ts';

/**
 * Consul's `CheckH2PING`: an HTTP/2 connection (TLS offering `h2` when `useTls`, otherwise h2c
 * with prior knowledge), one PING frame, passing when it is acknowledged. Outputs are Consul's:
 * `HTTP2 ping was successful`, `Failed to dial to <addr>: <error>`, `HTTP2 ping failed: <error>`.
 */
export async function probeH2Ping(spec: H2PingProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
  const deadline = new ProbeDeadline(spec.timeoutMs, signal);
  const dialing = dialTcp(
    spec.address,
    spec.useTls
      ? { serverName: spec.tlsServerName, skipVerify: spec.tlsSkipVerify, alpnProtocols: ['h2'] }
      : undefined,
  );
  let session: ClientHttp2Session | undefined;
  try {
    const dialed = await deadline.until(dialing.outcome);
    if (!dialed.done) {
      if (dialed.cause === 'aborted') return ABORTED_RESULT;
      // Go's tls.Dialer: the TCP dial times out as "i/o timeout", the handshake as its context.
      const why =
        spec.useTls && dialing.connected()
          ? 'context deadline exceeded'
          : dialTimeoutText('tcp', spec.address);
      return critical(`Failed to dial to ${spec.address}: ${why}`);
    }
    if (!dialed.value.ok) return critical(`Failed to dial to ${spec.address}: ${dialed.value.message}`);
    const socket = dialed.value.socket;
    session = connect(`${spec.useTls ? 'https' : 'http'}://${spec.address}`, {
      createConnection: () => socket,
    });
    const pinged = await deadline.until(ping(session));
    if (!pinged.done) {
      return pinged.cause === 'aborted'
        ? ABORTED_RESULT
        : critical('HTTP2 ping failed: context deadline exceeded');
    }
    if (pinged.value !== undefined) return critical(`HTTP2 ping failed: ${pinged.value}`);
    return { status: 'passing', output: 'HTTP2 ping was successful' };
  } finally {
    session?.destroy();
    dialing.close();
    deadline.dispose();
  }
}

function critical(output: string): ProbeResult {
  return { status: 'critical', output };
}

/** Sends a PING; undefined when it is acknowledged, else why the connection failed in Go's http2 words. */
function ping(session: ClientHttp2Session): Promise<string | undefined> {
  return new Promise((resolve) => {
    let settingsReceived = false;
    let sessionError: string | undefined;
    // Go's client reads the server's frames: EOF if it hangs up, a framing error if it is not HTTP/2.
    const failure = () => sessionError ?? 'EOF';
    session.once('remoteSettings', () => {
      settingsReceived = true;
    });
    session.on('error', (error) => {
      sessionError = settingsReceived ? nodeErrorFields(error).message : HTTP2_PEER_NOT_HTTP2;
      resolve(failure());
    });
    session.once('close', () => resolve(failure()));
    // A failed ping means the session is going down: its close, after its error, answers.
    session.ping((error) => {
      if (error === null) resolve(undefined);
    });
  });
}
