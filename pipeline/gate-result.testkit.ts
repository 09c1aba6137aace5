/** A gate result as runGate writes it, for the pure report tests (page, plots, JUnit): figures chosen by hand. */
import { DEFAULT_BASELINE_POLICY, type MetricComparison } from '../verify/baseline.ts';
import { DEFAULT_MEMORY_POLICY } from './gate-memory.ts';
import type { GateResult } from './gate.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One A/B metric over per-repetition values (odd counts, so the median is one of them). */
export const abMetric = (name: string, prev: number[], cand: number[], outcome: MetricComparison['outcome']): MetricComparison => {
  const [p, c] = [median(prev), median(cand)];
  return {
    metric: name,
    baseline: prev,
    candidate: cand,
    baselineMedian: p,
    candidateMedian: c,
    changePct: Math.round(((c - p) / p) * 1000) / 10,
    u: 0,
    pValue: 0.004,
    outcome,
    evidence: `median ${p} -> ${c}`,
  };
};

const image = { ref: 'local-0123', app: 'mysite', sha256: 'ab'.repeat(32) };

/** A failing gate: p50 and p95 regressed; p99, CPU per request and memory within their limits. */
export const gateResult = (over: Partial<GateResult> = {}): GateResult => ({
  kilnVersion: '1.4.2',
  decision: 'fail',
  exitCode: 1,
  reasons: ['latency regression vs the previous release: p50Ms 2.76 -> 11.38 <script>alert(1)</script>'],
  tier: 'nano',
  channel: 'nano.mysite',
  baseRef: 'local-base',
  candidate: { ...image, ref: 'local-4567', bakeSec: 31.2, reused: false },
  previous: { ...image, source: 'promoted' },
  latency: {
    outcome: 'regression',
    attempt: 1,
    policy: DEFAULT_BASELINE_POLICY,
    reasons: [],
    metrics: [
      abMetric('p95Ms', [14.5, 14.1, 15.0, 13.9, 14.8], [32.7, 31.9, 33.4, 30.8, 35.0], 'regression'),
      abMetric('p99Ms', [20, 19, 22, 21, 18], [21, 20, 23, 22, 19], 'ok'),
    ],
  },
  latencyMedian: abMetric('p50Ms', [2.7, 2.76, 2.9, 2.8, 2.6], [11.38, 11.0, 12.1, 10.9, 11.5], 'regression'),
  cpu: abMetric('cpuMsPerRequest', [3.1, 3.0, 3.2, 3.05, 3.15], [3.2, 3.1, 3.25, 3.0, 3.3], 'ok'),
  memory: {
    outcome: 'pass',
    policy: DEFAULT_MEMORY_POLICY,
    reasons: [],
    metrics: [
      { metric: 'servicesPssSteadyMiB', previous: 140, candidate: 141.5, changePct: 1.1, outcome: 'ok', evidence: 'within 10%' },
      { metric: 'servicesPssPeakMiB', previous: 150, candidate: 151, changePct: 0.7, outcome: 'ok', evidence: 'within 10%' },
      {
        metric: 'servicesPssSlopeMiBPerMin',
        previous: 0.4,
        candidate: 0.6,
        changePct: null,
        outcome: 'ok',
        evidence: 'slope 0.4 -> 0.6 MiB/min',
      },
    ],
  },
  verdictDecision: 'fail',
  promoted: false,
  wallSec: 117.2,
  report: null,
  ...over,
});
