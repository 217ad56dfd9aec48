/**
 * Raw DNS sockets for the end-to-end tests: bytes in, bytes out, so the tests can send what no
 * real client would (junk, a cut header, two questions) and see exactly what comes back.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { waitFor } from './agent-harness.ts';

/** A UDP socket connected to 127.0.0.1:`port` that keeps every datagram it receives. */
export class UdpClient {
  readonly replies: Buffer[] = [];
  /** The first socket error (ECONNREFUSED when nothing listens). */
  error: NodeJS.ErrnoException | undefined;

  private constructor(private readonly socket: UdpSocket) {
    socket.on('message', (message) => this.replies.push(message));
    socket.on('error', (error) => (this.error ??= error));
  }

  static async open(port: number): Promise<UdpClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve));
    return new UdpClient(socket);
  }

  send(bytes: Uint8Array): void {
    this.socket.send(bytes);
  }

  /** Waits for the first reply matching `predicate` (2 s deadline). */
  async reply(what: string, predicate: (reply: Buffer) => boolean): Promise<Buffer> {
    return waitFor(what, () => this.replies.find(predicate), 2_000);
  }

  close(): void {
    this.socket.close();
  }
}

/** A TCP connection to 127.0.0.1:`port` that splits what it reads into DNS frames. */
export class TcpClient {
  readonly frames: Buffer[] = [];
  closed = false;
  error: NodeJS.ErrnoException | undefined;
  private buffered = Buffer.alloc(0);

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 2) {
        const length = this.buffered.readUInt16BE(0);
        if (this.buffered.length < 2 + length) break;
        this.frames.push(this.buffered.subarray(2, 2 + length));
        this.buffered = this.buffered.subarray(2 + length);
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', (error) => (this.error ??= error));
  }

  /** Connects; rejects with the connection error (ECONNREFUSED when nothing listens). */
  static async open(port: number): Promise<TcpClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new TcpClient(socket);
  }

  /** Sends `message` with its two-byte length prefix (RFC 1035 §4.2.2). */
  sendFrame(message: Uint8Array): void {
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(message.length);
    this.socket.write(Buffer.concat([prefix, message]));
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Waits for frame number `index` (from 0; 2 s deadline). */
  async frame(index: number): Promise<Buffer> {
    return waitFor(`TCP reply frame ${index}`, () => this.frames[index], 2_000);
  }

  close(): void {
    this.socket.destroy();
  }
}
