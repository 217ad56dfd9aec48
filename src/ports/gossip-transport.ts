/**
 * The network under a gossip pool: one UDP socket and one TCP listener on the same port
 * (memberlist's `Transport`). Production binds real sockets (src/io/net-gossip-transport.ts); the
 * simulator delivers through its own scheduler. The transport knows nothing of the protocol: it
 * moves bytes, and asks its handler where an inbound stream message ends.
 */

/** An IP literal (IPv4 dotted quad or IPv6) and a port. */
export interface GossipAddress {
  host: string;
  port: number;
}

export interface GossipTransportHandler {
  /** A datagram arrived. Called synchronously from the socket callback: keep it cheap. */
  onPacket(from: GossipAddress, packet: Uint8Array): void;
  /**
   * One complete message arrived on an inbound stream (memberlist sends one message per
   * connection). Resolves to the bytes to write back (push/pull reply, ack, error response) or
   * `undefined` for none; the transport then closes the connection.
   */
  onStream(from: GossipAddress, message: Uint8Array): Promise<Uint8Array | undefined>;
  /**
   * Stream framing: how many bytes the message at the start of `buffered` takes, or `undefined`
   * when more bytes are needed to know. Throws (any Error) when the bytes cannot be a message;
   * the transport then drops the connection and counts it.
   */
  streamFrameLength(buffered: Uint8Array): number | undefined;
}

export interface StreamRequestOptions {
  /** The whole exchange (connect, write, read the reply) must finish within this. */
  timeoutMs: number;
  /** Read one complete reply message (framed by the handler's `streamFrameLength`). */
  expectReply: boolean;
}

export interface GossipTransport {
  /** Starts delivering to `handler`. Called once, before any send. */
  listen(handler: GossipTransportHandler): Promise<void>;
  /** Where the sockets are bound (the actual port when 0 was asked for). */
  localAddress(): GossipAddress;
  /** Best effort: an error (unreachable, oversized) is counted and dropped, never thrown. */
  sendPacket(to: GossipAddress, packet: Uint8Array): void;
  /**
   * Opens a stream to `to`, writes `message`, and reads one reply message when asked to.
   * Rejects on refusal, timeout, a reply that does not frame, or a reply larger than the bound.
   */
  request(
    to: GossipAddress,
    message: Uint8Array,
    options: StreamRequestOptions,
  ): Promise<Uint8Array | undefined>;
  /** Stops listening and closes every open stream. */
  close(): Promise<void>;
}
