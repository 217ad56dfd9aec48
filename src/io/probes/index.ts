import { unreachable } from '../../lib/assert.ts';
import type { CheckProber, ProbeResult, ProbeSpec } from '../../ports/check-probe.ts';
import { ABORTED_RESULT } from './deadline.ts';
import { probeGrpc } from './grpc-probe.ts';
import { probeH2Ping } from './h2ping-probe.ts';
import { probeHttp } from './http-probe.ts';
import { probeScript } from './script-probe.ts';
import { probeTcp } from './tcp-probe.ts';
import { probeUdp } from './udp-probe.ts';

/**
 * The real `CheckProber`: one probe per `spec.kind`, each on its own sockets or process, so a
 * target that hangs holds only its own probe until that probe's deadline. Holds no state.
 */
export function nodeCheckProber(): CheckProber {
  return {
    probe: (spec, signal) =>
      probeByKind(spec, signal).catch((error: unknown) => ({
        // The port promises never to reject: a bug in a probe still answers, as critical.
        status: 'critical' as const,
        output: error instanceof Error ? error.message : String(error),
      })),
  };
}

async function probeByKind(spec: ProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
  if (signal.aborted) return ABORTED_RESULT;
  switch (spec.kind) {
    case 'http':
      return probeHttp(spec, signal);
    case 'tcp':
      return probeTcp(spec, signal);
    case 'udp':
      return probeUdp(spec, signal);
    case 'script':
      return probeScript(spec, signal);
    case 'grpc':
      return probeGrpc(spec, signal);
    case 'h2ping':
      return probeH2Ping(spec, signal);
    default:
      return unreachable(spec, 'unknown probe kind');
  }
}
