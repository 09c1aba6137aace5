/**
 * Candidate vs the promoted baseline of the same tier, measured in the same run with interleaved A/B
 * repetitions (ABBA order cancels slow drift). Regression = worse by more than the effect threshold
 * (relative AND absolute) AND significant by a one-sided Mann-Whitney U. Worse but not significant is inconclusive: the caller
 * reruns once; inconclusive again, too few repetitions, or any missing repetition fail closed.
 */
import { median } from './memory/stats.ts';
import { mannWhitneyGreater } from './ranktest.ts';

export interface BaselinePolicy {
  alpha: number;
  /** Candidate median worse than the baseline's by more than this, in percent. */
  maxWorsePct: number;
  /** Per side; with fewer, a one-sided test at alpha can never reject. */
  minRepetitions: number;
  /** metric -> smallest absolute worsening that counts (in the metric's unit): 10% of a 3 ms p95 is scheduler noise. */
  minWorseAbs: Readonly<Record<string, number>>;
}

export const DEFAULT_BASELINE_POLICY: BaselinePolicy = {
  alpha: 0.05,
  maxWorsePct: 10,
  minRepetitions: 5,
  minWorseAbs: { p95Ms: 5, p99Ms: 10 },
};

/** One metric per repetition, higher is worse (latency ms, peak MiB); null = that repetition produced no valid value. */
export interface MetricSamples {
  metric: string;
  baseline: readonly (number | null)[];
  candidate: readonly (number | null)[];
}

export type MetricOutcome = 'ok' | 'regression' | 'inconclusive' | 'missing';

export interface MetricComparison {
  metric: string;
  baseline: (number | null)[];
  candidate: (number | null)[];
  baselineMedian: number | null;
  candidateMedian: number | null;
  changePct: number | null;
  u: number | null;
  pValue: number | null;
  outcome: MetricOutcome;
  evidence: string;
}

export interface BaselineComparison {
  outcome: 'pass' | 'regression' | 'inconclusive' | 'fail';
  /** 1 for the first round, 2 after the rerun. */
  attempt: number;
  policy: BaselinePolicy;
  metrics: MetricComparison[];
  reasons: string[];
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const usable = (xs: readonly (number | null)[]) => xs.every((x): x is number => typeof x === 'number' && Number.isFinite(x));

export function compareMetric(s: MetricSamples, policy: BaselinePolicy): MetricComparison {
  const base = { metric: s.metric, baseline: [...s.baseline], candidate: [...s.candidate] };
  const missing = (why: string): MetricComparison => ({
    ...base,
    baselineMedian: null,
    candidateMedian: null,
    changePct: null,
    u: null,
    pValue: null,
    outcome: 'missing',
    evidence: why,
  });
  if (!usable(s.baseline) || !usable(s.candidate)) return missing('a repetition produced no valid value');
  const b = s.baseline as number[];
  const c = s.candidate as number[];
  if (b.length < policy.minRepetitions || c.length < policy.minRepetitions) {
    return missing(`${c.length} candidate / ${b.length} baseline repetitions, need ${policy.minRepetitions} each`);
  }
  const bm = median(b);
  const cm = median(c);
  const changePct = bm > 0 ? ((cm - bm) / bm) * 100 : cm > 0 ? Infinity : 0;
  const { u, pValue } = mannWhitneyGreater(b, c);
  const floor = policy.minWorseAbs[s.metric] ?? 0;
  const worse = changePct > policy.maxWorsePct && cm - bm > floor;
  const significant = pValue < policy.alpha;
  const outcome: MetricOutcome = worse ? (significant ? 'regression' : 'inconclusive') : 'ok';
  const evidence = `median ${round(bm)} -> ${round(cm)} (${changePct >= 0 ? '+' : ''}${round(changePct, 1)}%, limit +${policy.maxWorsePct}%${floor ? ` and +${floor}` : ''}), one-sided Mann-Whitney U=${u} p=${round(pValue, 4)} (alpha ${policy.alpha})`;
  return {
    ...base,
    baselineMedian: round(bm),
    candidateMedian: round(cm),
    changePct: round(changePct, 2),
    u,
    pValue: round(pValue, 6),
    outcome,
    evidence,
  };
}

export function compareWithBaseline(
  samples: readonly MetricSamples[],
  policy: BaselinePolicy = DEFAULT_BASELINE_POLICY,
  attempt = 1,
): BaselineComparison {
  const metrics = samples.map((s) => compareMetric(s, policy));
  const reasons: string[] = [];
  if (metrics.length === 0) reasons.push('no metric compared: nothing to judge');
  for (const m of metrics) if (m.outcome !== 'ok') reasons.push(`${m.metric}: ${m.outcome}: ${m.evidence}`);
  let outcome: BaselineComparison['outcome'];
  if (metrics.length === 0 || metrics.some((m) => m.outcome === 'missing')) outcome = 'fail';
  else if (metrics.some((m) => m.outcome === 'regression')) outcome = 'regression';
  else if (metrics.some((m) => m.outcome === 'inconclusive')) outcome = attempt >= 2 ? 'fail' : 'inconclusive';
  else outcome = 'pass';
  if (outcome === 'fail' && attempt >= 2 && metrics.some((m) => m.outcome === 'inconclusive'))
    reasons.push('still inconclusive after a rerun: failing closed');
  return { outcome, attempt, policy, metrics, reasons };
}

/** ABBA order for `repetitions` pairs: A B B A A B B A … */
export function interleavedOrder(repetitions: number): ('baseline' | 'candidate')[] {
  const out: ('baseline' | 'candidate')[] = [];
  for (let i = 0; i < repetitions; i++)
    out.push(...(i % 2 === 0 ? (['baseline', 'candidate'] as const) : (['candidate', 'baseline'] as const)));
  return out;
}

/** One repetition against one side: metric name -> value, or null when the run was invalid. */
export type Repetition = (side: 'baseline' | 'candidate', index: number) => Promise<Record<string, number | null> | null>;

/** Runs the interleaved repetitions (an invalid one is repeated once), compares, and reruns once when inconclusive. */
export async function runBaselineComparison(
  run: Repetition,
  metricNames: readonly string[],
  repetitions: number,
  policy: BaselinePolicy = DEFAULT_BASELINE_POLICY,
): Promise<BaselineComparison> {
  let last: BaselineComparison | null = null;
  for (let attempt = 1; attempt <= 2; attempt++) {
    const values: Record<'baseline' | 'candidate', Record<string, (number | null)[]>> = { baseline: {}, candidate: {} };
    const order = interleavedOrder(repetitions);
    for (let i = 0; i < order.length; i++) {
      const side = order[i];
      // An invalid run measured the generator, not the image: repeat it once before counting it missing.
      const got = (await run(side, i)) ?? (await run(side, i));
      for (const name of metricNames) (values[side][name] ??= []).push(got?.[name] ?? null);
    }
    last = compareWithBaseline(
      metricNames.map((metric) => ({
        metric,
        baseline: values.baseline[metric] ?? [],
        candidate: values.candidate[metric] ?? [],
      })),
      policy,
      attempt,
    );
    if (last.outcome !== 'inconclusive') return last;
  }
  return last!;
}
