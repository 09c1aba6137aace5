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

/**
 * verify's reasons the gate judges better itself: its baseline A/B (the gate reads every metric of it), and its leak
 * slope over the judged run alone. That run is a fresh box's first traffic, where each gunicorn thread's first requests
 * grow the worker (17 MiB in 13 s on nano with identical builds); the gate's leak rule compares the candidate's slope
 * with the previous release's over the whole window instead.
 */
const SUPERSEDED = /^(baseline:|threshold memory:leak:)/;

/** verify's part of the gate: its decision on what the gate does not judge itself, and its reasons for that. */
export function verifyPart(v: { decision: 'pass' | 'fail'; reasons: readonly string[] }): { decision: 'pass' | 'fail'; reasons: string[] } {
  const reasons = v.reasons.filter((r) => !SUPERSEDED.test(r));
  // A failing verdict whose every reason was superseded passed the rest; a failing one without reasons fails closed.
  const decision = v.decision === 'pass' || (reasons.length === 0 && v.reasons.length > 0) ? 'pass' : 'fail';
  return { decision, reasons };
}

export const gateDecision = (f: GateFigures, others: readonly string[]): { decision: 'pass' | 'fail'; reasons: string[] } => {
  const reasons = gateReasons(f, others);
  return { decision: reasons.length === 0 ? 'pass' : 'fail', reasons };
};
