import type { ProbeResult, TcpProbeSpec } from '../../ports/check-probe.ts';
import { ABORTED_RESULT, ProbeDeadline } from './deadline.ts';
import { dialTcp } from './dial.ts';
import { dialTimeoutText } from './go-errors.ts';

/**
 * Consul's `CheckTCP`: passing when a connection opens (and, with `useTls`, the handshake
 * succeeds), then closed at once. The output on failure is Go's dial or TLS error as is.
 */
export async function probeTcp(spec: TcpProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
  const deadline = new ProbeDeadline(spec.timeoutMs, signal);
  const dialing = dialTcp(
    spec.address,
    spec.useTls ? { serverName: spec.tlsServerName, skipVerify: spec.tlsSkipVerify } : undefined,
  );
  try {
    const dialed = await deadline.until(dialing.outcome);
    if (!dialed.done) {
      if (dialed.cause === 'aborted') return ABORTED_RESULT;
      // Go's tls.DialWithDialer: the dial times out as "i/o timeout", the handshake as its context.
      const output =
        spec.useTls && dialing.connected()
          ? 'context deadline exceeded'
          : dialTimeoutText('tcp', spec.address);
      return { status: 'critical', output };
    }
    if (!dialed.value.ok) return { status: 'critical', output: dialed.value.message };
    return {
      status: 'passing',
      output: `${spec.useTls ? 'TCP+TLS' : 'TCP'} connect ${spec.address}: Success`,
    };
  } finally {
    dialing.close();
    deadline.dispose();
  }
}
