/**
 * Joining a gossip pool from configuration: the address forms `-join` and `-retry-join` accept,
 * and the background retry loop (Consul's `retryJoiner`).
 */
import { isIpv6Address } from '../lib/ip-address.ts';
import type { Clock, Timer } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';

/** A join address as written: memberlist's `[name/]host[:port]`, IPv6 in brackets with a port. */
export interface JoinAddress {
  name?: string;
  host: string;
  port: number;
}

/**
 * Reads `host`, `host:port`, `[v6]:port`, a bare IPv6 literal, or any of them after `name/`.
 * Without a port the pool's own port is used, as memberlist does. Returns why it cannot be read.
 */
export function parseJoinAddress(text: string, defaultPort: number): JoinAddress | string {
  const trimmed = text.trim();
  if (trimmed.startsWith('provider=')) {
    return `${trimmed}: cloud auto-join (provider=…) is not supported by Cairn; give host:port addresses`;
  }
  const slash = trimmed.indexOf('/');
  const name = slash < 0 ? undefined : trimmed.slice(0, slash);
  const rest = slash < 0 ? trimmed : trimmed.slice(slash + 1);
  let host = rest;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return `${text}: missing ']' in address`;
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return `${text}: unexpected text after ']'`;
      portText = after.slice(1);
    }
  } else if (!isIpv6Address(rest)) {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      host = rest.slice(0, colon);
      portText = rest.slice(colon + 1);
    }
  }
  if (host === '') return `${text}: missing host`;
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65_535) {
      return `${text}: invalid port "${portText}"`;
    }
    port = Number(portText);
  }
  return name === undefined || name === '' ? { host, port } : { name, host, port };
}

export interface RetryJoinerOptions {
  /** `LAN` or `WAN`, in log lines and the give-up message. */
  cluster: 'LAN' | 'WAN';
  addresses: readonly string[];
  intervalMs: number;
  /** Failed attempts tolerated after the first; 0 = retry forever (Consul's `retry_max`). */
  maxAttempts: number;
  /** One attempt: resolves to the number of nodes joined, rejects when none answered. */
  join: (addresses: readonly string[]) => Promise<number>;
  clock: Clock;
  logger: Logger;
  /** Called once when `maxAttempts` is exhausted; the agent then exits (as Consul does). */
  onExhausted: (error: Error) => void;
}

/**
 * Consul's retry join: try at once, then every `intervalMs` until an attempt joins at least one
 * node, logging each attempt and failure; after `maxAttempts` further failures give up with
 * "agent: max join LAN retry exhausted, exiting". Stopping cancels the next attempt.
 */
export class RetryJoiner {
  private timer: Timer | undefined;
  private stopped = false;
  private attempt = 0;

  constructor(private readonly options: RetryJoinerOptions) {}

  start(): void {
    this.options.logger.info(
      { cluster: this.options.cluster, addresses: this.options.addresses.join(' ') },
      'Joining cluster...',
    );
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private async run(): Promise<void> {
    const { cluster, logger } = this.options;
    if (this.stopped) return;
    this.attempt += 1;
    logger.info({ cluster, attempt: this.attempt }, 'Join cluster attempt');
    let failure: Error;
    try {
      const joined = await this.options.join(this.options.addresses);
      if (this.stopped) return;
      logger.info({ cluster, num_agents: joined }, 'Join cluster completed. Synced with initial agents');
      return;
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
    if (this.stopped) return;
    if (this.options.maxAttempts > 0 && this.attempt > this.options.maxAttempts) {
      logger.error({ cluster, error: failure.message }, 'Join cluster failed, giving up');
      this.options.onExhausted(new Error(`agent: max join ${cluster} retry exhausted, exiting`));
      return;
    }
    logger.warn(
      { cluster, retry_interval: `${this.options.intervalMs}ms`, error: failure.message },
      'Join cluster failed, will retry',
    );
    this.timer = this.options.clock.setTimer(this.options.intervalMs, () => void this.run());
  }
}
