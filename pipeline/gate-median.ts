/**
 * Pure: the A/B comparison of median latency, from the load runs the gate observed while verify ran its
 * interleaved repetitions. verify compares p95/p99 only; on a noisy host their tail is the host's, so a release
 * that adds 20 ms to a common view can hide under it, while the median moves clearly. Same test, same policy
 * shape (one-sided Mann-Whitney U + effect relative AND absolute), on the valid repetitions of each side.
 */
import { compareMetric, DEFAULT_BASELINE_POLICY, type BaselinePolicy, type MetricComparison } from '../verify/baseline.ts';
import type { LoadResult } from '../verify/load/types.ts';

export interface ObservedRun {
  host: string;
  result: LoadResult;
  /** The box's CPU seconds over the run (its last attempt); null = not read, undefined = not asked for. */
  cpuSec?: number | null;
}

/** 2 ms: a scheduler tick on a shared host; 10% of a 4 ms median alone would be noise. */
export const MEDIAN_POLICY: BaselinePolicy = { ...DEFAULT_BASELINE_POLICY, minWorseAbs: { p50Ms: 2 } };

/** The valid runs against `host`, in call order, after the first `skip` (the candidate's first run is verify's judged run, not part of the A/B). */
export const abRuns = (runs: readonly ObservedRun[], host: string, skip: number): ObservedRun[] =>
  runs
    .filter((r) => r.host === host)
    .slice(skip)
    .filter((r) => r.result.valid && r.result.measure.responses > 0);

/** `runs` in call order; an invalid run measured the generator and is left out. */
export function compareMedians(
  runs: readonly ObservedRun[],
  candidateHost: string,
  previousHost: string,
  policy: BaselinePolicy = MEDIAN_POLICY,
): MetricComparison {
  const side = (host: string, skip: number) => abRuns(runs, host, skip).map((r) => r.result.measure.latency.p50Ms);
  return compareMetric({ metric: 'p50Ms', baseline: side(previousHost, 0), candidate: side(candidateHost, 1) }, policy);
}
