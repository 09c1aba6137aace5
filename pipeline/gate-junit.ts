/**
 * Pure: a gate result -> JUnit XML (verify's writer), one testcase per A/B metric the gate judges (p50, p95, p99
 * latency; CPU per request; the stack's steady and peak PSS and its slope) plus the decision, so a CI log names the metric that failed and by
 * how much. Same result -> same bytes.
 */
import type { BaselinePolicy, MetricComparison } from '../verify/baseline.ts';
import { type JunitCase, junitDocument } from '../verify/report/junit.ts';
import type { GateResult } from './gate.ts';
import { CPU_POLICY } from './gate-cpu.ts';
import { MEDIAN_POLICY } from './gate-median.ts';
import type { MemoryMetric, MemoryPolicy } from './gate-memory.ts';

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const signed = (x: number) => `${x >= 0 ? '+' : ''}${r3(x)}`;
const list = (xs: readonly (number | null)[]) => `[${xs.map((x) => (x === null ? 'none' : r3(x))).join(', ')}]`;

/** The difference as the rule sees it: candidate minus previous, absolute and relative. */
function difference(previous: number | null, candidate: number | null, unit: string): string {
  if (previous === null || candidate === null) return 'difference: not computed (a side has no figure)';
  const pct = previous > 0 ? `, ${signed(((candidate - previous) / previous) * 100)}%` : '';
  return `difference ${signed(candidate - previous)} ${unit}${pct}`;
}

const abRule = (metric: string, p: BaselinePolicy, unit: string) =>
  `rule: regression when the candidate's median is worse by more than ${p.maxWorsePct}%${p.minWorseAbs[metric] ? ` and more than ${p.minWorseAbs[metric]} ${unit}` : ''} and a one-sided Mann-Whitney U test gives p < ${p.alpha} over at least ${p.minRepetitions} repetitions per side`;

const memoryRule = (m: MemoryMetric, p: MemoryPolicy) =>
  m.metric === 'servicesPssSlopeMiBPerMin'
    ? `rule: a leak when the candidate's PSS slope exceeds the previous release's (or 0) by more than ${p.leakLimitMiBPerMin} MiB/min and that grew more than ${p.leakMinGrowthMiB} MiB over the fitted window`
    : `rule: regression when the candidate is worse by more than ${p.maxWorsePct}% and more than ${p.minWorseMiB} MiB`;

/** One repeated A/B metric (latency in ms, CPU in ms per request). */
function abCase(m: MetricComparison, policy: BaselinePolicy, unit: string): JunitCase {
  return {
    name: m.metric,
    status: m.outcome === 'ok' ? 'pass' : 'fail',
    message: [
      `${m.metric} ${m.outcome}: previous release median ${m.baselineMedian ?? 'none'} ${unit}, candidate median ${m.candidateMedian ?? 'none'} ${unit}, ${difference(m.baselineMedian, m.candidateMedian, unit)}`,
      `previous per repetition ${list(m.baseline)} ${unit}; candidate per repetition ${list(m.candidate)} ${unit}`,
      abRule(m.metric, policy, unit),
      `evidence: ${m.evidence}`,
    ].join('\n'),
  };
}

function memoryCase(m: MemoryMetric, policy: MemoryPolicy): JunitCase {
  const unit = m.metric === 'servicesPssSlopeMiBPerMin' ? 'MiB/min' : 'MiB';
  return {
    name: m.metric,
    status: m.outcome === 'ok' ? 'pass' : 'fail',
    message: [
      `${m.metric} ${m.outcome}: previous release ${m.previous ?? 'none'} ${unit}, candidate ${m.candidate ?? 'none'} ${unit}, ${difference(m.previous, m.candidate, unit)}`,
      memoryRule(m, policy),
      `evidence: ${m.evidence}`,
    ].join('\n'),
  };
}

export function gateJunit(r: GateResult): string {
  const latency: JunitCase[] = [
    ...(r.latencyMedian ? [abCase(r.latencyMedian, MEDIAN_POLICY, 'ms')] : []),
    ...(r.latency?.metrics ?? []).map((m) => abCase(m, r.latency!.policy, 'ms')),
  ];
  // No comparison ran (a box did not boot, verify stopped early): the gate fails closed, and so does its JUnit.
  if (latency.length === 0) latency.push({ name: 'latency', status: 'fail', message: 'no latency A/B comparison ran' });
  const cpu: JunitCase[] = r.cpu
    ? [abCase(r.cpu, CPU_POLICY, 'ms')]
    : [{ name: 'cpuMsPerRequest', status: 'fail', message: 'no CPU per request A/B comparison ran' }];
  const memory: JunitCase[] = r.memory
    ? r.memory.metrics.map((m) => memoryCase(m, r.memory!.policy))
    : [{ name: 'memory', status: 'fail', message: 'no memory A/B comparison ran' }];
  const decision: JunitCase[] = [
    {
      name: 'decision',
      status: r.decision === 'pass' ? 'pass' : 'fail',
      message: r.decision === 'pass' ? `pass${r.promoted ? `; promoted as ${r.channel}'s release` : ''}` : r.reasons.join('\n'),
    },
  ];
  return junitDocument(`kiln gate ${r.channel}`, [
    ['latency', latency],
    ['cpu', cpu],
    ['memory', memory],
    ['decision', decision],
  ]);
}
