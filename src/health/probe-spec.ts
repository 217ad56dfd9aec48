import { nsToMs } from '../lib/duration.ts';
import type { CheckDefinition } from '../model/records.ts';
import type { ProbeSpec } from '../ports/check-probe.ts';

/** HTTP, TCP, UDP, gRPC and H2PING give up after this when the check sets no `Timeout`. */
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;
/** Script checks are killed after this when the check sets no `Timeout` (`CheckMonitor`). */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 30_000;
/** Consul's `checks.MinInterval`: a shorter `Interval` runs at this one (agent.go warns). */
export const MIN_CHECK_INTERVAL_MS = 1_000;
/** Consul's `checks.DefaultBufSize`: output kept when `check_output_max_size` is unset. */
export const DEFAULT_OUTPUT_MAX_BYTES = 4 * 1024;

/**
 * The probe a stored check definition asks for, with Consul's defaults applied, or `undefined`
 * for kinds that are not probed on an interval here (TTL, alias, maintenance, Docker,
 * OS service, none) and for a `type` whose target field the definition lacks.
 *
 * `type` is the check's `Type` (`CheckKind`); `defaultOutputMaxBytes` the agent's
 * `check_output_max_size` (0 or less: 4 KiB).
 *
 * Timeouts (agent/checks/check.go): HTTP, TCP, UDP and gRPC use `Timeout` when it is above 0,
 * else 10 s (`CheckHTTP.Start`, `CheckTCP.Start`, `CheckUDP.Start`, `CheckGRPC.Start`); H2PING
 * the same (`CheckH2PING.Start`: 10 s when `Timeout <= 0`); scripts 30 s (`CheckMonitor.check`).
 * The interval plays no part. Output (agent.go `addCheck`): the agent's limit, lowered to the
 * check's `OutputMaxSize` when that is smaller; a check cannot raise it.
 */
export function probeSpecFor(
  type: string,
  definition: CheckDefinition,
  defaultOutputMaxBytes: number,
): ProbeSpec | undefined {
  const d = definition;
  const common = {
    timeoutMs: timeoutMsFor(d.Timeout, DEFAULT_PROBE_TIMEOUT_MS),
    outputMaxBytes: outputMaxBytesFor(d, defaultOutputMaxBytes),
  };
  const tls = { tlsServerName: d.TLSServerName ?? '', tlsSkipVerify: d.TLSSkipVerify ?? false };
  switch (type) {
    case 'http':
      if (d.HTTP === undefined) return undefined;
      return {
        kind: 'http',
        ...common,
        url: d.HTTP,
        method: d.Method || 'GET',
        header: d.Header ?? {},
        body: d.Body ?? '',
        ...tls,
        disableRedirects: d.DisableRedirects ?? false,
      };
    case 'tcp':
      if (d.TCP === undefined) return undefined;
      return { kind: 'tcp', ...common, address: d.TCP, useTls: d.TCPUseTLS ?? false, ...tls };
    case 'udp':
      if (d.UDP === undefined) return undefined;
      return { kind: 'udp', ...common, address: d.UDP };
    case 'script':
      if (d.ScriptArgs === undefined || d.ScriptArgs.length === 0) return undefined;
      return {
        kind: 'script',
        ...common,
        timeoutMs: timeoutMsFor(d.Timeout, DEFAULT_SCRIPT_TIMEOUT_MS),
        args: [...d.ScriptArgs],
      };
    case 'grpc':
      if (d.GRPC === undefined) return undefined;
      return { kind: 'grpc', ...common, target: d.GRPC, useTls: d.GRPCUseTLS ?? false, ...tls };
    case 'h2ping':
      if (d.H2PING === undefined) return undefined;
      return { kind: 'h2ping', ...common, address: d.H2PING, useTls: d.H2PingUseTLS ?? false, ...tls };
    default:
      return undefined;
  }
}

/**
 * How often an interval check runs: its `Interval`, raised to Consul's 1 s minimum (agent.go
 * `addCheck` clamps every interval kind to `checks.MinInterval`).
 */
export function checkIntervalMs(definition: CheckDefinition): number {
  return Math.max(nsToMs(definition.Interval ?? 0), MIN_CHECK_INTERVAL_MS);
}

/** Output kept for a check: `check_output_max_size` (0: 4 KiB), lowered by a smaller `OutputMaxSize`. */
export function outputMaxBytesFor(definition: CheckDefinition, defaultOutputMaxBytes: number): number {
  const agentLimit = defaultOutputMaxBytes > 0 ? defaultOutputMaxBytes : DEFAULT_OUTPUT_MAX_BYTES;
  const own = definition.OutputMaxSize ?? 0;
  return own > 0 && own < agentLimit ? own : agentLimit;
}

function timeoutMsFor(timeoutNs: number | undefined, fallbackMs: number): number {
  return timeoutNs !== undefined && timeoutNs > 0 ? nsToMs(timeoutNs) : fallbackMs;
}
