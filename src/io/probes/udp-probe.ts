import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { ProbeResult, UdpProbeSpec } from '../../ports/check-probe.ts';
import { ABORTED_RESULT, ProbeDeadline } from './deadline.ts';
import { dialErrorText, errnoText, joinHostPort, nodeErrorFields, splitHostPort } from './go-errors.ts';

/**
 * Consul's `CheckUDP`: a connected UDP socket sends one datagram (Consul's message is empty) and
 * waits for one back. An answer is passing, and so is silence until the timeout: UDP has no
 * handshake, and Consul counts its "i/o timeout" as success. A refusal is critical: the peer's
 * ICMP port-unreachable makes the kernel fail the connected socket's next receive with
 * ECONNREFUSED, which Node reports as the socket's `error` (syscall `recvmsg`).
 *
 * Consul sets no read deadline, so a silent target holds its check forever; here the probe's
 * timeout ends the wait, which is the passing case Consul intends.
 */
export async function probeUdp(spec: UdpProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
  const target = splitHostPort(spec.address);
  if ('error' in target) return { status: 'critical', output: `dial udp: ${target.error}` };
  const success: ProbeResult = { status: 'passing', output: `UDP connect ${spec.address}: Success` };
  const deadline = new ProbeDeadline(spec.timeoutMs, signal);
  let socket: Socket | undefined;
  try {
    const resolved = await deadline.until(resolveHost(target.host));
    if (!resolved.done) return resolved.cause === 'timeout' ? success : ABORTED_RESULT;
    if ('error' in resolved.value) {
      return { status: 'critical', output: dialErrorText('udp', spec.address, resolved.value.error) };
    }
    const { address, family } = resolved.value;
    const remote = joinHostPort(address, target.port);
    const udp = createSocket(family === 6 ? 'udp6' : 'udp4');
    socket = udp;
    const exchange = new Promise<ProbeResult>((resolve) => {
      let local = '';
      const failed = (error: Error): void => {
        const fields = nodeErrorFields(error);
        if (fields.syscall === 'connect') {
          resolve({ status: 'critical', output: dialErrorText('udp', remote, error) });
        } else {
          const operation = fields.syscall === 'send' ? 'write' : 'read';
          const text = `${operation} udp ${local}->${remote}: ${operation}: ${errnoText(fields)}`;
          resolve({ status: 'critical', output: text });
        }
      };
      udp.on('error', failed);
      udp.on('message', () => resolve(success));
      udp.connect(target.port, address, () => {
        const bound = udp.address();
        local = joinHostPort(bound.address, bound.port);
        udp.send(new Uint8Array(0), (error) => {
          if (error) failed(error);
        });
      });
    });
    const answered = await deadline.until(exchange);
    if (!answered.done) return answered.cause === 'timeout' ? success : ABORTED_RESULT;
    return answered.value;
  } finally {
    try {
      socket?.close();
    } catch {
      // Already closed.
    }
    deadline.dispose();
  }
}

/** The address to send to: an IP as is, a name through the system resolver (its first answer, as Go's dialer). */
async function resolveHost(host: string): Promise<{ address: string; family: 4 | 6 } | { error: unknown }> {
  const family = isIP(host);
  if (family !== 0) return { address: host, family: family === 6 ? 6 : 4 };
  try {
    const found = await lookup(host);
    return { address: found.address, family: found.family === 6 ? 6 : 4 };
  } catch (error) {
    return { error };
  }
}
