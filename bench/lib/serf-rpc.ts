/**
 * A minimal client for the serf agent's RPC (msgpack over TCP, the protocol `serf members` and
 * `serf join` speak): handshake, `members`, `join`. The benchmark polls dozens of agents every
 * 50 ms; spawning the `serf` CLI for each poll would cost more CPU than the agents under test.
 *
 * Each request is a msgpack header `{Command, Seq}` followed, for commands with arguments, by a
 * msgpack body; each response is a header `{Seq, Error}` followed, for commands with results,
 * by a body. One request at a time per client, so responses arrive in order.
 */
import net from 'node:net';
import { decodeMultiStream, encode } from '@msgpack/msgpack';

export type SerfStatus = 'alive' | 'leaving' | 'left' | 'failed';

export class SerfRpcClient {
  private seq = 0;
  private busy: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly socket: net.Socket,
    private readonly reader: AsyncGenerator<unknown, void, unknown>,
  ) {}

  static async connect(port: number, host = '127.0.0.1'): Promise<SerfRpcClient> {
    const socket = net.connect({ port, host });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.on('error', () => {});
    const client = new SerfRpcClient(socket, decodeMultiStream(socket));
    await client.call('handshake', { Version: 1 }, false);
    return client;
  }

  /** name → status of every member this agent knows. */
  async members(): Promise<Map<string, SerfStatus>> {
    const body = (await this.call('members', undefined, true)) as {
      Members: Array<{ Name: string; Status: SerfStatus }>;
    };
    return new Map(body.Members.map((member) => [member.Name, member.Status]));
  }

  /** Joins `host:port` addresses; resolves with how many were contacted. */
  async join(addresses: string[]): Promise<number> {
    const body = (await this.call('join', { Existing: addresses, Replay: false }, true)) as { Num: number };
    return body.Num;
  }

  close(): void {
    this.socket.destroy();
  }

  private call(command: string, body: unknown, hasResult: boolean): Promise<unknown> {
    const run = async (): Promise<unknown> => {
      const seq = this.seq++;
      this.socket.write(encode({ Command: command, Seq: seq }));
      if (body !== undefined) this.socket.write(encode(body));
      const header = await this.next();
      const error = (header as { Error?: string }).Error;
      if (error !== undefined && error !== '') throw new Error(`serf rpc ${command}: ${error}`);
      return hasResult ? this.next() : undefined;
    };
    const result = this.busy.then(run, run);
    this.busy = result.catch(() => {});
    return result;
  }

  private async next(): Promise<unknown> {
    const item = await this.reader.next();
    if (item.done === true) throw new Error('serf rpc: connection closed');
    return item.value;
  }
}
