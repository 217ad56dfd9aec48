import { aliasResult } from '../health/alias.ts';
import { checkIntervalMs, probeSpecFor } from '../health/probe-spec.ts';
import { CheckScheduler, type SchedulerStats } from '../health/scheduler.ts';
import { StatusFilter } from '../health/thresholds.ts';
import type { HealthStatus } from '../model/records.ts';
import type { CheckProber } from '../ports/check-probe.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { Random } from '../ports/random.ts';
import type { CheckInput } from '../state/catalog.ts';
import { canonicalJson } from './anti-entropy.ts';
import type { CatalogReader } from './catalog-access.ts';

/** Where a runner sends the statuses it decides (after the check's thresholds). */
export type CheckReport = (status: HealthStatus, output: string) => void;

/** How long a remote alias check waits before asking again after a failed read (Consul: 1 s). */
export const ALIAS_RETRY_MS = 1_000;

export interface CheckRunnersOptions {
  nodeName: string;
  clock: Clock;
  random: Random;
  logger: Logger;
  prober: CheckProber;
  /** Other nodes' checks, for alias checks of another node. */
  catalog: CatalogReader;
  /** `check_output_max_size`: output kept when the check does not ask for less. */
  outputMaxBytes: number;
  /** This agent's own services and checks and their changes, for alias checks of the local node. */
  local: {
    checks(): readonly CheckInput[];
    hasService(id: string): boolean;
    onChange(listener: () => void): () => void;
  };
}

interface Runner {
  /** The definition the runner was started from: re-registering the same one keeps it running. */
  fingerprint: string;
  stop(): void;
}

/**
 * Runs the checks that the agent itself decides: interval probes (HTTP, TCP, UDP, script, gRPC,
 * H2PING) through the `CheckScheduler` and the check's `StatusFilter`, and alias checks, which
 * mirror the health of a service or node (the local agent's state for this node, a blocking
 * catalog read for another). TTL checks are decided by their clients and run in the local
 * agent; maintenance checks do not run.
 */
export class CheckRunners {
  private readonly scheduler: CheckScheduler;
  private readonly runners = new Map<string, Runner>();

  constructor(private readonly options: CheckRunnersOptions) {
    this.scheduler = new CheckScheduler(options.clock, options.random);
  }

  /**
   * Starts running `check` (replacing a runner under its ID), unless one already runs the same
   * definition: a reload or re-registration that changes nothing keeps the schedule, thresholds
   * and counters. Returns `false` when the check kind is not run here.
   */
  start(check: CheckInput, report: CheckReport): boolean {
    const fingerprint = canonicalJson([check.Type, check.ServiceID, check.Definition]);
    const current = this.runners.get(check.CheckID);
    if (current !== undefined && current.fingerprint === fingerprint) return true;
    this.stop(check.CheckID);
    const runner = this.probeRunner(check, report) ?? this.aliasRunner(check, report);
    if (runner === undefined) return false;
    this.runners.set(check.CheckID, { fingerprint, stop: runner });
    return true;
  }

  stop(id: string): void {
    const runner = this.runners.get(id);
    if (runner === undefined) return;
    this.runners.delete(id);
    runner.stop();
  }

  stats(): SchedulerStats {
    return this.scheduler.stats();
  }

  close(): void {
    for (const id of [...this.runners.keys()]) this.stop(id);
    this.scheduler.close();
  }

  private probeRunner(check: CheckInput, report: CheckReport): (() => void) | undefined {
    const spec = probeSpecFor(check.Type, check.Definition, this.options.outputMaxBytes);
    if (spec === undefined) return undefined;
    const d = check.Definition;
    const filter = new StatusFilter({
      successBeforePassing: d.SuccessBeforePassing ?? 0,
      failuresBeforeWarning: d.FailuresBeforeWarning ?? 0,
      failuresBeforeCritical: d.FailuresBeforeCritical ?? 0,
    });
    const controller = new AbortController();
    const id = check.CheckID;
    this.scheduler.add(id, checkIntervalMs(d), async () => {
      const result = await this.options.prober.probe(spec, controller.signal);
      if (controller.signal.aborted) return;
      const admitted = filter.admit(result.status, result.output);
      if (admitted !== undefined) report(admitted.status, admitted.output);
    });
    return () => {
      this.scheduler.remove(id);
      controller.abort();
    };
  }

  private aliasRunner(check: CheckInput, report: CheckReport): (() => void) | undefined {
    const d = check.Definition;
    if (d.AliasNode === undefined && d.AliasService === undefined) return undefined;
    const node = d.AliasNode ?? this.options.nodeName;
    const target = { node, serviceId: d.AliasService ?? '' };
    if (node === this.options.nodeName) return this.localAlias(check.CheckID, target, report);
    return this.remoteAlias(target, report);
  }

  /** Re-evaluated after every local change, at most once per turn of the event loop. */
  private localAlias(
    id: string,
    target: { node: string; serviceId: string },
    report: CheckReport,
  ): () => void {
    let stopped = false;
    let queued = false;
    const evaluate = () => {
      queued = false;
      if (stopped) return;
      const local = this.options.local;
      const others = local.checks().filter((check) => check.CheckID !== id);
      const result = aliasResult(others, target, (serviceId) => local.hasService(serviceId));
      report(result.status, result.output);
    };
    const queue = () => {
      if (queued || stopped) return;
      queued = true;
      void Promise.resolve().then(evaluate);
    };
    const unsubscribe = this.options.local.onChange(queue);
    queue();
    return () => {
      stopped = true;
      unsubscribe();
    };
  }

  /**
   * A blocking read of the other node's checks, again and again. A failed read is retried after
   * a second; from the second failure in a row the alias is critical (`CheckAlias.runQuery`).
   */
  private remoteAlias(target: { node: string; serviceId: string }, report: CheckReport): () => void {
    const controller = new AbortController();
    const { catalog, clock, logger } = this.options;
    const pause = () =>
      new Promise<void>((resolve) => {
        const timer = clock.setTimer(ALIAS_RETRY_MS, resolve);
        controller.signal.addEventListener('abort', () => {
          timer.cancel();
          resolve();
        });
      });
    const loop = async () => {
      let index = 0;
      let failures = 0;
      while (!controller.signal.aborted) {
        try {
          const answer = await catalog.nodeChecks(target.node, index, controller.signal);
          if (controller.signal.aborted) return;
          failures = 0;
          index = Math.max(answer.index, 1);
          const services = new Set(answer.serviceIds);
          const result = aliasResult(answer.checks, target, (serviceId) => services.has(serviceId));
          report(result.status, result.output);
        } catch (error) {
          if (controller.signal.aborted) return;
          failures++;
          logger.debug({ node: target.node, error: String(error) }, 'alias check: catalog read failed');
          if (failures > 1)
            report('critical', `Failure checking aliased node or service: ${errorText(error)}`);
          await pause();
        }
      }
    };
    void loop();
    return () => controller.abort();
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
