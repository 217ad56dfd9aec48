/**
 * The noise guard of ../shared/reference/raft.md §8 for runs against several server processes:
 * over a run, CPU used on the machine by anything but this client and the servers under test
 * must stay under NOISE_CORES_MAX (0.25 s per 5 s run), else the run is repeated, up to
 * NOISY_RETRIES times. A time budget bounds the waiting and repeating, so a busy machine makes a
 * benchmark noisier (disturbed runs are kept and flagged) but not endless.
 *
 * The same rule as bench/http.ts applies to a single server; this one takes a list of pids
 * because a Raft cluster is three processes.
 */
import { delay, machineCpuSeconds, processCpuSeconds } from './processes.ts';

/** Other CPU (cores, averaged over a run) above which a run counts as disturbed: 0.25 s per 5 s. */
export const NOISE_CORES_MAX = 0.05;
export const NOISY_RETRIES = 2;

export interface CpuShares {
  /** Cores used on average by this process (the load driver). */
  clientCores: number;
  /** …by the server processes together. */
  serverCores: number;
  /** …by everything else on the machine. */
  otherCores: number;
}

/** A process that has exited reads as NaN: count it as 0 so sums stay numbers. */
const cpuSeconds = (pid: number | 'self'): number => processCpuSeconds(pid) || 0;
const sumCpuSeconds = (pids: readonly number[]): number =>
  pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

/** Runs `task` and reports how CPU was shared meanwhile. */
export async function withCpuShares<T>(
  serverPids: readonly number[],
  task: () => Promise<T>,
): Promise<{ value: T; shares: CpuShares }> {
  const client = cpuSeconds('self');
  const servers = sumCpuSeconds(serverPids);
  const machine = machineCpuSeconds();
  const start = performance.now();
  const value = await task();
  const seconds = (performance.now() - start) / 1000;
  const clientSeconds = cpuSeconds('self') - client;
  const serverSeconds = sumCpuSeconds(serverPids) - servers;
  const after = machineCpuSeconds();
  const otherSeconds =
    after.busy - machine.busy + (after.steal - machine.steal) - clientSeconds - serverSeconds;
  return {
    value,
    shares: {
      clientCores: clientSeconds / seconds,
      serverCores: serverSeconds / seconds,
      otherCores: Math.max(0, otherSeconds) / seconds,
    },
  };
}

export class NoiseGuard {
  /** Whether the last run was disturbed; only then is a quiet window awaited first. */
  private lastRunNoisy = false;

  constructor(
    /** Time the whole invocation may spend waiting for quiet and repeating disturbed runs. */
    private budgetMs = 60_000,
    private readonly log: (line: string) => void = () => {},
  ) {}

  isNoisy(shares: CpuShares): boolean {
    return shares.otherCores > NOISE_CORES_MAX;
  }

  /**
   * Records a run's shares; true when it should be repeated (disturbed, `attempt` ≤ NOISY_RETRIES
   * and budget left). `runMs` is charged to the budget when it is.
   */
  shouldRepeat(shares: CpuShares, attempt: number, runMs: number): boolean {
    this.lastRunNoisy = this.isNoisy(shares);
    const repeat = this.lastRunNoisy && attempt <= NOISY_RETRIES && this.budgetMs > 0;
    if (repeat) this.budgetMs -= runMs;
    return repeat;
  }

  /**
   * After a disturbed run, waits for a half-second window in which processes other than ours and
   * `serverPids` use under NOISE_CORES_MAX. Gives up, with a warning, after 30 s or when the
   * budget is spent; once it is spent, does not wait at all.
   */
  async waitForQuiet(serverPids: readonly number[]): Promise<void> {
    if (!this.lastRunNoisy || this.budgetMs <= 0) return;
    const ours = (): number => sumCpuSeconds(serverPids) + cpuSeconds('self');
    const start = performance.now();
    for (let window = 0; ; window++) {
      const machine = machineCpuSeconds();
      const before = ours();
      await delay(500);
      const after = machineCpuSeconds();
      const otherCores =
        (after.busy - machine.busy + (after.steal - machine.steal) - (ours() - before)) / 0.5;
      if (otherCores <= NOISE_CORES_MAX) break;
      const waitedMs = performance.now() - start;
      if (waitedMs > 30_000 || (window > 0 && waitedMs > this.budgetMs)) {
        this.log(
          `the machine is busy (other processes use ${otherCores.toFixed(2)} cores); measuring anyway`,
        );
        break;
      }
    }
    const waitedMs = performance.now() - start;
    if (waitedMs > 600) this.budgetMs -= waitedMs;
  }
}
