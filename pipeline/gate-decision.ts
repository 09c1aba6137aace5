/**
 * Pure: the gate's decision from every A/B it ran. Each metric must have been measured and found ok: latency (p95,
 * p99 by verify; p50 by the gate), CPU per request, and stack memory (steady, peak, leak slope). A comparison that is
 * absent, missing a figure or inconclusive fails the gate closed, the same as a regression.
 */
import type { BaselineComparison, MetricComparison } from '../verify/baseline.ts';
import type { MemoryComparison } from './gate-memory.ts';

export interface GateFigures {
  /** verify's own verdict on the candidate (SLOs, state checks, its latency A/B). */
  verdictDecision: 'pass' | 'fail' | null;
  latency: BaselineComparison | null;
  latencyMedian: MetricComparison | null;
  cpu: MetricComparison | null;
  memory: MemoryComparison | null;
}

const latencyReasons = (c: BaselineComparison | null): string[] => {
  if (!c) return ['latency: no A/B comparison against the previous release ran'];
  const bad = c.metrics
    .filter((m) => m.outcome !== 'ok')
    .map((m) => `latency ${m.outcome} vs the previous release: ${m.metric} ${m.evidence}`);
  if (c.outcome !== 'pass' && bad.length === 0) bad.push(`latency comparison ${c.outcome}: ${c.reasons.join('; ')}`);
  return bad;
};

const abReasons = (what: string, m: MetricComparison | null): string[] =>
  !m
    ? [`${what}: no A/B comparison against the previous release ran`]
    : m.outcome === 'ok'
      ? []
      : [`${what} ${m.outcome} vs the previous release: ${m.metric} ${m.evidence}`];

/** Every reason the candidate may not pass, the gate's own and verify's non-A/B ones (`others`) first. */
export function gateReasons(f: GateFigures, others: readonly string[]): string[] {
  const reasons = [
    ...others,
    ...latencyReasons(f.latency),
    ...abReasons('latency', f.latencyMedian),
    ...abReasons('cpu', f.cpu),
    ...(f.memory ? f.memory.reasons : ['memory: no A/B comparison against the previous release ran']),
  ];
  if (f.memory && f.memory.outcome !== 'pass' && f.memory.reasons.length === 0) reasons.push(`memory comparison ${f.memory.outcome}`);
  if (reasons.length === 0 && f.verdictDecision !== 'pass') reasons.push('no decision could be reached: failing closed');
  return reasons;
}

export const gateDecision = (f: GateFigures, others: readonly string[]): { decision: 'pass' | 'fail'; reasons: string[] } => {
  const reasons = gateReasons(f, others);
  return { decision: reasons.length === 0 ? 'pass' : 'fail', reasons };
};
