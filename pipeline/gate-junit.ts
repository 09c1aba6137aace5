/**
 * Pure: a gate result -> JUnit XML (verify's writer), one testcase per A/B metric the gate judges (p50, p95, p99
 * latency; the stack's steady and peak PSS) plus the decision, so a CI log names the metric that failed and by
 * how much. Same result -> same bytes.
 */
import type { BaselinePolicy, MetricComparison } from '../verify/baseline.ts';
import { type JunitCase, junitDocument } from '../verify/report/junit.ts';
import type { GateResult } from './gate.ts';
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

const latencyRule = (metric: string, p: BaselinePolicy) =>
  `rule: regression when the candidate's median is worse by more than ${p.maxWorsePct}%${p.minWorseAbs[metric] ? ` and more than ${p.minWorseAbs[metric]} ms` : ''} and a one-sided Mann-Whitney U test gives p < ${p.alpha} over at least ${p.minRepetitions} repetitions per side`;

const memoryRule = (p: MemoryPolicy) =>
  `rule: regression when the candidate is worse by more than ${p.maxWorsePct}% and more than ${p.minWorseMiB} MiB`;

function latencyCase(m: MetricComparison, policy: BaselinePolicy): JunitCase {
  return {
    name: m.metric,
    status: m.outcome === 'ok' ? 'pass' : 'fail',
    message: [
      `${m.metric} ${m.outcome}: previous release median ${m.baselineMedian ?? 'none'} ms, candidate median ${m.candidateMedian ?? 'none'} ms, ${difference(m.baselineMedian, m.candidateMedian, 'ms')}`,
      `previous per repetition ${list(m.baseline)} ms; candidate per repetition ${list(m.candidate)} ms`,
      latencyRule(m.metric, policy),
      `evidence: ${m.evidence}`,
    ].join('\n'),
  };
}

function memoryCase(m: MemoryMetric, policy: MemoryPolicy): JunitCase {
  return {
    name: m.metric,
    status: m.outcome === 'ok' ? 'pass' : 'fail',
    message: [
      `${m.metric} ${m.outcome}: previous release ${m.previous ?? 'none'} MiB, candidate ${m.candidate ?? 'none'} MiB, ${difference(m.previous, m.candidate, 'MiB')}`,
      memoryRule(policy),
      `evidence: ${m.evidence}`,
    ].join('\n'),
  };
}

export function gateJunit(r: GateResult): string {
  const latency: JunitCase[] = [
    ...(r.latencyMedian ? [latencyCase(r.latencyMedian, MEDIAN_POLICY)] : []),
    ...(r.latency?.metrics ?? []).map((m) => latencyCase(m, r.latency!.policy)),
  ];
  // No comparison ran (a box did not boot, verify stopped early): the gate fails closed, and so does its JUnit.
  if (latency.length === 0) latency.push({ name: 'latency', status: 'fail', message: 'no latency A/B comparison ran' });
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
    ['memory', memory],
    ['decision', decision],
  ]);
}
