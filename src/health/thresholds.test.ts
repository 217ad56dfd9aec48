import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { HealthStatus } from '../model/records.ts';
import { StatusFilter, type Thresholds } from './thresholds.ts';

const P = 'passing';
const W = 'warning';
const C = 'critical';

/** Feeds `results` through a new filter; each entry is what was recorded ('-' for held back). */
function transcript(thresholds: Partial<Thresholds>, results: readonly HealthStatus[]): string[] {
  const filter = new StatusFilter({
    successBeforePassing: 0,
    failuresBeforeWarning: 0,
    failuresBeforeCritical: 0,
    ...thresholds,
  });
  return results.map((status, index) => {
    const admitted = filter.admit(status, `out${index}`);
    if (admitted === undefined) return '-';
    assert.equal(admitted.output, `out${index}`, 'the output is the result’s own');
    return admitted.status;
  });
}

describe('StatusFilter', () => {
  it('with no thresholds records every result as it comes', () => {
    const results: HealthStatus[] = [P, C, W, C, P, P, C];
    assert.deepEqual(transcript({}, results), results);
  });

  it('records the first result at once, whatever the thresholds', () => {
    assert.deepEqual(transcript({ successBeforePassing: 5 }, [P]), [P]);
    assert.deepEqual(transcript({ failuresBeforeCritical: 5 }, [C]), [C]);
    assert.deepEqual(transcript({ failuresBeforeWarning: 2, failuresBeforeCritical: 5 }, [C]), [C]);
  });

  it('needs SuccessBeforePassing successes in a row after a failure', () => {
    assert.deepEqual(transcript({ successBeforePassing: 3 }, [C, P, P, C, P, P, P, P]), [
      C,
      '-',
      '-',
      C,
      '-',
      '-',
      P,
      P,
    ]);
  });

  it('counts a warning result as a success and records it as a warning', () => {
    assert.deepEqual(transcript({ successBeforePassing: 2 }, [C, W, W, P]), [C, '-', W, P]);
  });

  it('needs FailuresBeforeCritical failures in a row after a success', () => {
    assert.deepEqual(transcript({ failuresBeforeCritical: 3 }, [P, C, C, P, C, C, C, C]), [
      P,
      '-',
      '-',
      P,
      '-',
      '-',
      C,
      C,
    ]);
  });

  it('reports warning from FailuresBeforeWarning failures, with the failure’s output', () => {
    assert.deepEqual(
      transcript({ failuresBeforeWarning: 1, failuresBeforeCritical: 3 }, [P, C, C, C, C, P, C]),
      [P, W, W, C, C, P, W],
    );
  });

  it('without FailuresBeforeWarning never warns on failures (it defaults to FailuresBeforeCritical)', () => {
    assert.deepEqual(transcript({ failuresBeforeCritical: 2 }, [P, C, C]), [P, '-', C]);
  });

  it('with both thresholds holds back failures below the warning one', () => {
    assert.deepEqual(transcript({ failuresBeforeWarning: 2, failuresBeforeCritical: 4 }, [P, C, C, C, C]), [
      P,
      '-',
      W,
      W,
      C,
    ]);
  });

  it('treats any status other than passing and warning as a failure, passed on as it is', () => {
    assert.deepEqual(transcript({ failuresBeforeCritical: 2 }, [P, 'maintenance', 'maintenance']), [
      P,
      '-',
      'maintenance',
    ]);
  });

  it('lets everything through with negative thresholds, as Consul does', () => {
    assert.deepEqual(transcript({ successBeforePassing: -3, failuresBeforeCritical: -1 }, [C, P, C, P]), [
      C,
      P,
      C,
      P,
    ]);
  });
});

// --- properties ----------------------------------------------------------------------------------

const status = fc.constantFrom<HealthStatus>(P, W, C);
const threshold = fc.integer({ min: 0, max: 6 });
const thresholds = fc
  .tuple(threshold, threshold, threshold)
  .filter(([, warning, critical]) => warning <= critical)
  .map(([successBeforePassing, failuresBeforeWarning, failuresBeforeCritical]) => ({
    successBeforePassing,
    failuresBeforeWarning,
    failuresBeforeCritical,
  }));
const results = fc.array(status, { maxLength: 60 });
const isSuccess = (s: HealthStatus) => s === P || s === W;

/**
 * The rule restated in terms of runs: how many results of the same kind (success or failure)
 * end at each position, where a run that reaches back to the first result counts as already
 * full. What each position records follows from that alone.
 */
function expected(t: Thresholds, input: readonly HealthStatus[]): string[] {
  const warningAt = t.failuresBeforeWarning === 0 ? t.failuresBeforeCritical : t.failuresBeforeWarning;
  return input.map((s, i) => {
    let run = 0;
    while (run <= i && isSuccess(input[i - run]!) === isSuccess(s)) run++;
    const fromStart = run === i + 1;
    if (isSuccess(s)) {
      const effective = fromStart ? t.successBeforePassing + run : run;
      return effective >= t.successBeforePassing ? s : '-';
    }
    const effective = fromStart ? t.failuresBeforeCritical + run : run;
    if (effective >= t.failuresBeforeCritical) return s;
    return effective >= warningAt ? W : '-';
  });
}

describe('StatusFilter properties', () => {
  it('agrees with the rule stated as runs of successes and failures', () => {
    fc.assert(
      fc.property(thresholds, results, (t, input) => {
        assert.deepEqual(transcript(t, input), expected(t, input));
      }),
    );
  });

  it('with every threshold at 0 or 1 records every result unchanged', () => {
    const small = fc.integer({ min: 0, max: 1 });
    fc.assert(
      fc.property(small, small, small, results, (s, w, c, input) => {
        fc.pre(w <= c);
        const t = { successBeforePassing: s, failuresBeforeWarning: w, failuresBeforeCritical: c };
        assert.deepEqual(transcript(t, input), input);
      }),
    );
  });

  it('after SuccessBeforePassing successes in a row, records the last one with its own status', () => {
    fc.assert(
      fc.property(
        thresholds,
        results,
        fc.array(fc.constantFrom<HealthStatus>(P, W), { minLength: 1 }),
        (t, prefix, run) => {
          const tail = [
            ...run,
            ...Array<HealthStatus>(Math.max(0, t.successBeforePassing - run.length)).fill(P),
          ];
          const out = transcript(t, [...prefix, ...tail]);
          assert.equal(out.at(-1), tail.at(-1));
        },
      ),
    );
  });

  it('never records critical before FailuresBeforeCritical failures in a row, except as the first results', () => {
    fc.assert(
      fc.property(thresholds, results, (t, input) => {
        const out = transcript(t, input);
        out.forEach((recorded, i) => {
          if (recorded !== C) return;
          const window = input.slice(Math.max(0, i - t.failuresBeforeCritical + 1), i + 1);
          const allFailures = window.every((s) => !isSuccess(s));
          const noSuccessYet = input.slice(0, i + 1).every((s) => !isSuccess(s));
          assert.ok(
            noSuccessYet || (allFailures && window.length >= t.failuresBeforeCritical),
            `critical at ${i}`,
          );
        });
      }),
    );
  });

  it('a success clears the failure run: fewer failures than both thresholds after it are held back', () => {
    fc.assert(
      fc.property(thresholds, results, status, (t, prefix, success) => {
        fc.pre(isSuccess(success));
        const warningAt = t.failuresBeforeWarning === 0 ? t.failuresBeforeCritical : t.failuresBeforeWarning;
        const failures = Array<HealthStatus>(
          Math.max(0, Math.min(warningAt, t.failuresBeforeCritical) - 1),
        ).fill(C);
        const out = transcript(t, [...prefix, success, ...failures]);
        assert.deepEqual(
          out.slice(prefix.length + 1),
          failures.map(() => '-'),
        );
      }),
    );
  });

  it('records only the result’s own status, or warning for a failure', () => {
    fc.assert(
      fc.property(thresholds, results, (t, input) => {
        transcript(t, input).forEach((recorded, i) => {
          assert.ok(recorded === '-' || recorded === input[i] || (recorded === W && input[i] === C));
        });
      }),
    );
  });
});
