import type { HealthStatus } from '../model/records.ts';

/** A check's `SuccessBeforePassing`, `FailuresBeforeWarning`, `FailuresBeforeCritical` (0 = unset). */
export interface Thresholds {
  successBeforePassing: number;
  failuresBeforeWarning: number;
  failuresBeforeCritical: number;
}

/** A probe result let through to the check's status. */
export interface AdmittedStatus {
  status: HealthStatus;
  output: string;
}

/**
 * Consul's `checks.StatusHandler` (agent/checks/check.go): decides which probe results reach the
 * check's status. `passing` and `warning` results are successes, anything else a failure.
 *
 * - A success is reported once `successBeforePassing` successes came in a row, with its own
 *   status (a 429 stays `warning`).
 * - A failure is reported once `failuresBeforeCritical` failures came in a row, with its own
 *   status; short of that, once `failuresBeforeWarning` came in a row, as `warning` with the
 *   failure's output; short of both, it is held back.
 * - A success clears the failure run and a failure the success run.
 * - Both runs start full (`NewStatusHandler`), so the first result after the filter is made is
 *   always reported: a new or re-registered check shows its first probe at once.
 * - `failuresBeforeWarning` 0 means "same as `failuresBeforeCritical`" (agent.go `addCheck`),
 *   so an unset warning threshold never produces a warning of its own.
 *
 * One filter per running check; make a new one when the check is registered again.
 */
export class StatusFilter {
  private readonly successBeforePassing: number;
  private readonly failuresBeforeWarning: number;
  private readonly failuresBeforeCritical: number;
  /** Successes in a row, saturating at the threshold (counting further changes nothing). */
  private successRun: number;
  /** Failures in a row, saturating at the critical threshold. */
  private failureRun: number;

  constructor(thresholds: Thresholds) {
    this.successBeforePassing = thresholds.successBeforePassing;
    this.failuresBeforeCritical = thresholds.failuresBeforeCritical;
    this.failuresBeforeWarning =
      thresholds.failuresBeforeWarning === 0
        ? thresholds.failuresBeforeCritical
        : thresholds.failuresBeforeWarning;
    this.successRun = this.successBeforePassing;
    this.failureRun = this.failuresBeforeCritical;
  }

  /** The status and output to record for this probe result, or `undefined` to keep the current one. */
  admit(status: HealthStatus, output: string): AdmittedStatus | undefined {
    if (status === 'passing' || status === 'warning') {
      this.failureRun = 0;
      this.successRun = Math.min(this.successRun + 1, Math.max(this.successBeforePassing, 0));
      return this.successRun >= this.successBeforePassing ? { status, output } : undefined;
    }
    this.successRun = 0;
    this.failureRun = Math.min(this.failureRun + 1, Math.max(this.failuresBeforeCritical, 0));
    if (this.failureRun >= this.failuresBeforeCritical) return { status, output };
    if (this.failureRun >= this.failuresBeforeWarning) return { status: 'warning', output };
    return undefined;
  }
}
