import * as grpc from '@grpc/grpc-js';
import type { Certificate } from './probe-targets.ts';

/**
 * A real gRPC server (grpc-js) serving `grpc.health.v1.Health/Check` from a hand-written service
 * definition with hand-written protobuf codecs, so the probe's own encoding is checked against
 * an independent implementation. `statuses` maps a service name to its serving status, or to
 * `'hang'` for a call that is never answered; any other name answers NOT_FOUND "unknown service",
 * as grpc-go's health server does.
 */
export interface GrpcHealthServer {
  port: number;
  statuses: Map<string, number | 'hang'>;
  /** Service names asked for, in order (proves the request was decoded). */
  asked: string[];
  close(): Promise<void>;
}

export const ServingStatus = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2 } as const;

export async function startGrpcHealthServer(certificate?: Certificate): Promise<GrpcHealthServer> {
  const statuses = new Map<string, number | 'hang'>();
  const asked: string[] = [];
  const server = new grpc.Server();
  server.addService(healthService, {
    Check: (
      call: grpc.ServerUnaryCall<{ service: string }, { status: number }>,
      callback: grpc.sendUnaryData<{ status: number }>,
    ) => {
      const service = call.request.service;
      asked.push(service);
      const status = statuses.get(service);
      if (status === 'hang') return;
      if (status === undefined) callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
      else callback(null, { status });
    },
  });
  const credentials =
    certificate === undefined
      ? grpc.ServerCredentials.createInsecure()
      : grpc.ServerCredentials.createSsl(null, [
          { private_key: Buffer.from(certificate.key), cert_chain: Buffer.from(certificate.cert) },
        ]);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    port,
    statuses,
    asked,
    close: async () => {
      server.forceShutdown();
    },
  };
}

/** `HealthCheckRequest { string service = 1; }` */
function encodeRequest(request: { service: string }): Buffer {
  const name = Buffer.from(request.service);
  return name.byteLength === 0
    ? Buffer.alloc(0)
    : Buffer.concat([Buffer.from([0x0a, name.byteLength]), name]);
}

function decodeRequest(bytes: Buffer): { service: string } {
  // Field 1, length-delimited, shorter than 128 bytes in these tests.
  if (bytes.byteLength === 0) return { service: '' };
  if (bytes[0] !== 0x0a || bytes[1] !== bytes.byteLength - 2)
    throw new Error('unexpected HealthCheckRequest encoding');
  return { service: bytes.subarray(2).toString() };
}

/** `HealthCheckResponse { ServingStatus status = 1; }`: a zero status is omitted, as proto3 does. */
function encodeResponse(response: { status: number }): Buffer {
  return response.status === 0 ? Buffer.alloc(0) : Buffer.from([0x08, response.status]);
}

function decodeResponse(bytes: Buffer): { status: number } {
  return { status: bytes.byteLength === 0 ? 0 : (bytes[1] ?? 0) };
}

const healthService: grpc.ServiceDefinition = {
  Check: {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    requestSerialize: encodeRequest,
    requestDeserialize: decodeRequest,
    responseSerialize: encodeResponse,
    responseDeserialize: decodeResponse,
  },
};
