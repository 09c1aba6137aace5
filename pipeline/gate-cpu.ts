/**
 * Pure: CPU per request A/B, from the load runs the gate observed while verify ran its interleaved repetitions.
 * At a rate far below capacity a build that costs more CPU per request shows in no latency figure, yet it takes the
 * same share off the fleet's capacity. Each run's value is the box's CPU time over the run divided by the responses
 * it served in it (warm-up included on both sides: one window per run, read at its edges). Same test and policy shape
 * as latency (one-sided Mann-Whitney U + effect); a valid run whose CPU reading is missing fails closed.
 */
import { compareMetric, DEFAULT_BASELINE_POLICY, type BaselinePolicy, type MetricComparison } from '../verify/baseline.ts';
import type { LoadResult } from '../verify/load/types.ts';
import { abRuns, type ObservedRun } from './gate-median.ts';

export const CPU_METRIC = 'cpuMsPerRequest';

/**
 * 10 % worse: identical builds on this host spread by a few percent run to run (docs/benchmarks.md, gate power),
 * while 10 % is a tenth of the fleet's capacity. No absolute floor: CPU time is counted, not timed.
 */
export const CPU_POLICY: BaselinePolicy = { ...DEFAULT_BASELINE_POLICY, maxWorsePct: 10, minWorseAbs: { [CPU_METRIC]: 0 } };

const responses = (r: LoadResult): number => r.phases.reduce((n, p) => n + p.responses, 0);

/** CPU milliseconds per response of one run; null when the box's CPU was not read (fails the metric closed). */
export function cpuMsPerRequest(cpuSec: number | null | undefined, r: LoadResult): number | null {
  const n = responses(r);
  if (cpuSec === null || cpuSec === undefined || !Number.isFinite(cpuSec) || cpuSec < 0 || n === 0) return null;
  return (cpuSec * 1000) / n;
}

/** `runs` in call order (gate-median.ts abRuns): a valid run whose CPU was not read counts as missing. */
export function compareCpu(
  runs: readonly ObservedRun[],
  candidateHost: string,
  previousHost: string,
  policy: BaselinePolicy = CPU_POLICY,
): MetricComparison {
  const side = (host: string, skip: number) => abRuns(runs, host, skip).map((r) => cpuMsPerRequest(r.cpuSec, r.result));
  return compareMetric({ metric: CPU_METRIC, baseline: side(previousHost, 0), candidate: side(candidateHost, 1) }, policy);
}
