import type { HealthStatus } from '../model/records.ts';

/**
 * How the agent reaches the things its health checks look at: an HTTP endpoint, a TCP or UDP
 * port, a script, a gRPC health service, an HTTP/2 server. `src/io/probes` holds the real ones;
 * tests of the scheduling and the status rules use fakes.
 *
 * A probe never rejects and never throws: every failure (refused, timed out, bad TLS, a target
 * that closes before answering) is a `critical` result whose output says what happened, in
 * Consul's words. An HTTP answer whose body then stalls or breaks is graded by its status code,
 * as Consul grades it. It gives up after `timeoutMs` whatever the target does, keeps at most `outputMaxBytes`
 * of output however much the target sends, and stops at once (releasing sockets and killing a
 * script) when `signal` aborts; the result of an aborted probe is ignored by the caller.
 */
export interface CheckProber {
  probe(spec: ProbeSpec, signal: AbortSignal): Promise<ProbeResult>;
}

export interface ProbeResult {
  status: HealthStatus;
  output: string;
}

interface ProbeCommon {
  /** The whole probe's deadline, Consul's defaults already applied (`src/health/probe-spec.ts`). */
  timeoutMs: number;
  /** Output kept, in bytes (`OutputMaxSize`, else `check_output_max_size`, default 4 KiB). */
  outputMaxBytes: number;
}

/** Consul's `CheckHTTP`: 2xx passing, 429 warning, anything else (or no answer) critical. */
export interface HttpProbeSpec extends ProbeCommon {
  kind: 'http';
  url: string;
  /** `GET` unless given. */
  method: string;
  header: Record<string, string[]>;
  body: string;
  tlsServerName: string;
  tlsSkipVerify: boolean;
  disableRedirects: boolean;
}

/** Consul's `CheckTCP`: a connection that opens is passing. */
export interface TcpProbeSpec extends ProbeCommon {
  kind: 'tcp';
  /** `host:port`, IPv6 hosts in brackets. */
  address: string;
  useTls: boolean;
  tlsServerName: string;
  tlsSkipVerify: boolean;
}

/** Consul's `CheckUDP`: a datagram sent; silence until the timeout or an answer is passing, a refusal critical. */
export interface UdpProbeSpec extends ProbeCommon {
  kind: 'udp';
  address: string;
}

/** Consul's `CheckMonitor`: exit 0 passing, 1 warning, anything else critical; killed at the timeout. */
export interface ScriptProbeSpec extends ProbeCommon {
  kind: 'script';
  args: string[];
}

/** Consul's `CheckGRPC`: the standard `grpc.health.v1.Health/Check`; SERVING is passing. */
export interface GrpcProbeSpec extends ProbeCommon {
  kind: 'grpc';
  /** `host:port` or `host:port/service`. */
  target: string;
  useTls: boolean;
  tlsServerName: string;
  tlsSkipVerify: boolean;
}

/** Consul's `CheckH2PING`: an HTTP/2 connection and a PING frame answered. */
export interface H2PingProbeSpec extends ProbeCommon {
  kind: 'h2ping';
  address: string;
  useTls: boolean;
  tlsServerName: string;
  tlsSkipVerify: boolean;
}

export type ProbeSpec =
  | HttpProbeSpec
  | TcpProbeSpec
  | UdpProbeSpec
  | ScriptProbeSpec
  | GrpcProbeSpec
  | H2PingProbeSpec;
