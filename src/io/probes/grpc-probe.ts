import { STATUS_CODES } from 'node:http';
import { type ClientHttp2Session, connect, type IncomingHttpHeaders } from 'node:http2';
import type { GrpcProbeSpec, ProbeResult } from '../../ports/check-probe.ts';
import { ABORTED_RESULT, ProbeDeadline } from './deadline.ts';
import { dialTcp } from './dial.ts';
import { HTTP2_PEER_NOT_HTTP2, nodeErrorFields } from './go-errors.ts';
import {
  codeForHttpStatus,
  GrpcCode,
  healthCheckRequest,
  percentDecoded,
  rpcError,
  rstCodeName,
  SERVING_STATUS_NAMES,
  servingStatusOf,
} from './grpc-wire.ts';

/**
 * Consul's `CheckGRPC`: one unary call of the standard health service,
 * `grpc.health.v1.Health/Check`, spoken directly over `node:http2` (a POST with
 * `content-type: application/grpc`, a length-prefixed protobuf message each way, the status in
 * `grpc-status`). SERVING is passing; any other serving status or an RPC error is critical,
 * worded as grpc-go words its errors (`rpc error: code = NotFound desc = unknown service`).
 * A new connection per probe, closed after, as Consul's probe dials and closes each time.
 */
export async function probeGrpc(spec: GrpcProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
  // `host:port/service`: everything after the first slash is the service name.
  const slash = spec.target.indexOf('/');
  const server = slash < 0 ? spec.target : spec.target.slice(0, slash);
  const service = slash < 0 ? '' : spec.target.slice(slash + 1);
  const deadline = new ProbeDeadline(spec.timeoutMs, signal);
  const dialing = dialTcp(
    server,
    spec.useTls
      ? { serverName: spec.tlsServerName, skipVerify: spec.tlsSkipVerify, alpnProtocols: ['h2'] }
      : undefined,
  );
  let session: ClientHttp2Session | undefined;
  try {
    const dialed = await deadline.until(dialing.outcome);
    if (!dialed.done) return stopped(dialed.cause);
    if (!dialed.value.ok) {
      const stage = dialed.value.layer === 'tls' ? 'authentication handshake failed' : 'Error while dialing';
      return critical(connectionError(`transport: ${stage}: ${dialed.value.message}`));
    }
    const socket = dialed.value.socket;
    session = connect(`${spec.useTls ? 'https' : 'http'}://${server}`, { createConnection: () => socket });
    const called = await deadline.until(callHealthCheck(session, service, spec.timeoutMs));
    if (!called.done) return stopped(called.cause);
    const outcome = called.value;
    if ('error' in outcome) return critical(outcome.error);
    if (outcome.servingStatus !== SERVING) {
      const name = SERVING_STATUS_NAMES[outcome.servingStatus] ?? String(outcome.servingStatus);
      return critical(`gRPC ${spec.target} serving status: ${name}`);
    }
    return { status: 'passing', output: `gRPC check ${spec.target}: success` };
  } finally {
    session?.destroy();
    dialing.close();
    deadline.dispose();
  }
}

const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';
const SERVING = 1;
/** A health answer is a few bytes; anything beyond this is refused, not buffered. */
const RESPONSE_BYTES_MAX = 64 * 1024;

function critical(output: string): ProbeResult {
  return { status: 'critical', output };
}

function connectionError(description: string): string {
  return rpcError(GrpcCode.unavailable, `connection error: desc = ${JSON.stringify(description)}`);
}

function stopped(cause: 'timeout' | 'aborted'): ProbeResult {
  if (cause === 'aborted') return ABORTED_RESULT;
  return critical(rpcError(GrpcCode.deadlineExceeded, 'context deadline exceeded'));
}

/** The serving status the server answered, or the RPC's failure in grpc-go's words. */
function callHealthCheck(
  session: ClientHttp2Session,
  service: string,
  timeoutMs: number,
): Promise<{ servingStatus: number } | { error: string }> {
  return new Promise((resolve) => {
    let settingsReceived = false;
    let sessionError: string | undefined;
    session.once('remoteSettings', () => {
      settingsReceived = true;
    });
    session.on('error', (error) => {
      sessionError = settingsReceived
        ? nodeErrorFields(error).message
        : `error reading server preface: ${HTTP2_PEER_NOT_HTTP2}`;
    });
    const stream = session.request({
      ':method': 'POST',
      ':path': HEALTH_CHECK_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': `${Math.min(99_999_999, Math.max(1, Math.ceil(timeoutMs)))}m`,
    });
    let headers: IncomingHttpHeaders | undefined;
    let trailers: IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    let receivedBytes = 0;
    stream.on('response', (received) => {
      headers = received;
    });
    stream.on('trailers', (received) => {
      trailers = received;
    });
    stream.on('data', (chunk: Buffer) => {
      receivedBytes += chunk.byteLength;
      if (receivedBytes <= RESPONSE_BYTES_MAX) chunks.push(chunk);
    });
    let streamErrorCode: string | undefined;
    stream.on('error', (error) => {
      streamErrorCode = nodeErrorFields(error).code;
    });
    stream.on('close', () => {
      if (headers === undefined) {
        // No answer at all: the server reset the stream, or the connection failed.
        if (streamErrorCode === 'ERR_HTTP2_STREAM_ERROR') {
          const description = `stream terminated by RST_STREAM with error code: ${rstCodeName(stream.rstCode)}`;
          resolve({ error: rpcError(GrpcCode.internal, description) });
          return;
        }
        const preface = settingsReceived ? '' : 'error reading server preface: ';
        const why = streamErrorCode === 'ERR_HTTP2_ERROR' && !settingsReceived ? HTTP2_PEER_NOT_HTTP2 : 'EOF';
        resolve({ error: connectionError(sessionError ?? `${preface}${why}`) });
        return;
      }
      if (receivedBytes > RESPONSE_BYTES_MAX) {
        const description = `grpc: received message larger than max (${receivedBytes} vs. ${RESPONSE_BYTES_MAX})`;
        resolve({ error: rpcError(GrpcCode.resourceExhausted, description) });
        return;
      }
      resolve(callOutcome(headers, trailers, Buffer.concat(chunks)));
    });
    stream.end(healthCheckRequest(service));
  });
}

/** The RPC's result from the response headers, trailers and body. */
function callOutcome(
  headers: IncomingHttpHeaders,
  trailers: IncomingHttpHeaders | undefined,
  body: Uint8Array,
): { servingStatus: number } | { error: string } {
  const httpStatus = Number(headers[':status']);
  const contentType = String(headers['content-type'] ?? '');
  // A trailers-only answer carries grpc-status in the headers.
  const grpcStatus = trailers?.['grpc-status'] ?? headers['grpc-status'];
  const speaksGrpc = contentType.startsWith('application/grpc');
  // Not a gRPC answer: grpc-go reports the HTTP status and the content type it got instead.
  if (httpStatus !== 200 || (!speaksGrpc && grpcStatus === undefined)) {
    const code = httpStatus === 200 ? GrpcCode.unknown : codeForHttpStatus(httpStatus);
    const parts: string[] = [];
    if (httpStatus !== 200) {
      parts.push(
        `unexpected HTTP status code received from server: ${httpStatus} (${STATUS_CODES[httpStatus]})`,
      );
    }
    if (!speaksGrpc) parts.push(`transport: received unexpected content-type ${JSON.stringify(contentType)}`);
    return { error: rpcError(code, parts.join('; ')) };
  }
  if (grpcStatus === undefined) {
    return { error: rpcError(GrpcCode.internal, 'server closed the stream without sending trailers') };
  }
  const code = Number(grpcStatus);
  if (code !== 0) {
    const message = trailers?.['grpc-message'] ?? headers['grpc-message'] ?? '';
    return { error: rpcError(code, percentDecoded(String(message))) };
  }
  return servingStatusOf(body);
}
