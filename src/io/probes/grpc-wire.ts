/**
 * The gRPC wire pieces the health probe needs, without a gRPC library: the message frame and the
 * two `grpc.health.v1` messages (hand-encoded protobuf), status codes, and grpc-go's error text.
 */

/** `HealthCheckResponse.ServingStatus`, by number. */
export const SERVING_STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** gRPC status codes, by number, as grpc-go's `codes.Code.String()` names them. */
const CODE_NAMES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];

/** The codes the probe reports itself. */
export const GrpcCode = {
  unknown: 2,
  deadlineExceeded: 4,
  resourceExhausted: 8,
  internal: 13,
  unavailable: 14,
} as const;

/** grpc-go's `status.Error` text. */
export function rpcError(code: number, description: string): string {
  return `rpc error: code = ${CODE_NAMES[code] ?? `Code(${code})`} desc = ${description}`;
}

/** HTTP/2 error codes (RFC 9113 §7) by number, as Go's http2 names them. */
const HTTP2_ERROR_NAMES = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

export function rstCodeName(code: number | undefined): string {
  return HTTP2_ERROR_NAMES[code ?? 0] ?? `unknown error code 0x${(code ?? 0).toString(16)}`;
}

/** grpc-go's mapping of an HTTP status to a gRPC code when the server is not speaking gRPC. */
export function codeForHttpStatus(httpStatus: number): number {
  const byStatus: Record<number, number> = {
    400: 13,
    401: 16,
    403: 7,
    404: 12,
    429: 14,
    502: 14,
    503: 14,
    504: 14,
  };
  return byStatus[httpStatus] ?? GrpcCode.unknown;
}

/** `grpc-message` is percent-encoded. */
export function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The gRPC message frame `[compressed:u8][length:u32be][message]` holding
 * `HealthCheckRequest { string service = 1; }`; an empty service is an empty message.
 */
export function healthCheckRequest(service: string): Uint8Array {
  const name = new TextEncoder().encode(service);
  const message = name.byteLength === 0 ? [] : [0x0a, ...varint(name.byteLength), ...name];
  const frame = new Uint8Array(5 + message.length);
  new DataView(frame.buffer).setUint32(1, message.length);
  frame.set(message, 5);
  return frame;
}

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

/** The `status` field (1, an enum) of the one `HealthCheckResponse` frame in `body`; absent means UNKNOWN (0). */
export function servingStatusOf(body: Uint8Array): { servingStatus: number } | { error: string } {
  if (body.byteLength < 5) {
    return {
      error: rpcError(GrpcCode.internal, 'cardinality violation: expected <Response> but got no message'),
    };
  }
  if (body[0] !== 0) {
    return {
      error: rpcError(GrpcCode.internal, 'grpc: compressed flag set with identity or empty encoding'),
    };
  }
  const length = new DataView(body.buffer, body.byteOffset).getUint32(1);
  const message = body.subarray(5, 5 + length);
  const unparsable = {
    error: rpcError(
      GrpcCode.internal,
      'grpc: failed to unmarshal the received message: proto: cannot parse invalid wire-format data',
    ),
  };
  if (message.byteLength !== length) return unparsable;
  let at = 0;
  let servingStatus = 0;
  const readVarint = (): number | undefined => {
    let value = 0;
    for (let shift = 1; at < message.byteLength && shift < 2 ** 70; shift *= 0x80) {
      const byte = message[at++]!;
      value += (byte & 0x7f) * shift;
      if (byte < 0x80) return value;
    }
    return undefined;
  };
  while (at < message.byteLength) {
    const tag = readVarint();
    if (tag === undefined) return unparsable;
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (wireType === 0) {
      const value = readVarint();
      if (value === undefined) return unparsable;
      if (field === 1) servingStatus = value;
    } else if (wireType === 2) {
      const skip = readVarint();
      if (skip === undefined) return unparsable;
      at += skip;
    } else if (wireType === 1 || wireType === 5) {
      at += wireType === 1 ? 8 : 4;
    } else {
      return unparsable;
    }
    if (at > message.byteLength) return unparsable;
  }
  return { servingStatus };
}
