/**
 * Pure: the candidate box's memory against the previous release's box, sampled over the same window under the
 * same interleaved load. Judged on the stack's services (PSS summed over the units), not the box's working set:
 * only the candidate box also ran the state checks and verify's own sampler, which move page cache by ~20 MiB.
 * One series per box (autocorrelated samples), so no rank test: an effect threshold, relative AND absolute,
 * decides; anything missing fails closed. A leak is judged apart: the candidate's PSS slope over the last half of the
 * window, less the previous release's (both saw the same load), beyond verify's leak limit and its minimum growth, and
 * beyond the limit in both quarters of that half (one step, e.g. a new thread's malloc arena, rises in one only).
 */
import type { MemorySummary } from '../verify/memory/summary.ts';
import { defaultLeakLimitMiBPerMin, defaultLeakMinGrowthMiB } from '../verify/thresholds.ts';

export interface MemoryPolicy {
  /** Candidate worse than previous by more than this, in percent … */
  maxWorsePct: number;
  /** … and by more than this many MiB (a fresh box's page cache and allocator moves by a few MiB). */
  minWorseMiB: number;
  /** Candidate's slope beyond the previous release's by more than this is a leak … (verify's limit for the tier) */
  leakLimitMiBPerMin: number;
  /** … when it also grew more than this over the fitted window (one pool warming up is a step, not a leak). */
  leakMinGrowthMiB: number;
}

/** The leak figures are verify's for a 512 MiB box; the gate passes its tier's (memoryPolicyFor). */
export const DEFAULT_MEMORY_POLICY: MemoryPolicy = {
  maxWorsePct: 10,
  minWorseMiB: 16,
  leakLimitMiBPerMin: defaultLeakLimitMiBPerMin(512),
  leakMinGrowthMiB: defaultLeakMinGrowthMiB(512),
};

export const memoryPolicyFor = (ramMiB: number): MemoryPolicy => ({
  ...DEFAULT_MEMORY_POLICY,
  leakLimitMiBPerMin: defaultLeakLimitMiBPerMin(ramMiB),
  leakMinGrowthMiB: defaultLeakMinGrowthMiB(ramMiB),
});

export interface MemoryMetric {
  metric: 'servicesPssSteadyMiB' | 'servicesPssPeakMiB' | 'servicesPssSlopeMiBPerMin';
  previous: number | null;
  candidate: number | null;
  changePct: number | null;
  outcome: 'ok' | 'regression' | 'missing';
  evidence: string;
}

export interface MemoryComparison {
  outcome: 'pass' | 'regression' | 'fail';
  policy: MemoryPolicy;
  metrics: MemoryMetric[];
  reasons: string[];
  /** Informational: each unit's steady PSS on each box (MiB), to see which service moved. */
  units?: Record<string, { previous: number | null; candidate: number | null }>;
  /** Informational: each box's working set from its cgroup (or meminfo), MiB. */
  box?: { candidate: { peak: number; steady: number } | null; previous: { peak: number; steady: number } | null };
}

const r1 = (x: number) => Math.round(x * 10) / 10;
/** Sum over the units of one PSS figure; null when a unit was never seen (a missing service is no saving). */
const value = (m: MemorySummary | null, units: readonly string[], key: 'steady' | 'peak'): number | null => {
  if (!m || units.length === 0) return null;
  let sum = 0;
  for (const u of units) {
    const v = m.services[u]?.pss;
    if (!v || v.samples === 0 || !Number.isFinite(v[key]) || v[key] <= 0) return null;
    sum += v[key];
  }
  return sum;
};

interface Slopes {
  perMin: number;
  tailSec: number;
  /** Third and fourth quarter of the window; null when a unit's summary has none. */
  quarters: [number, number] | null;
}

/** Summed PSS slopes over the units (MiB/min) and the window they were fitted over; null when a unit has no slope. */
const slopeOf = (m: MemorySummary | null, units: readonly string[]): Slopes | null => {
  if (!m || units.length === 0) return null;
  let perMin = 0;
  let tailSec = 0;
  let quarters: [number, number] | null = [0, 0];
  for (const u of units) {
    const v = m.services[u]?.pss;
    if (!v || v.samples < 4 || !Number.isFinite(v.slopePerMin)) return null;
    perMin += v.slopePerMin;
    tailSec = Math.max(tailSec, v.tailSec);
    const q = v.quarterSlopesPerMin;
    quarters = quarters && q?.every(Number.isFinite) ? [quarters[0] + q[0], quarters[1] + q[1]] : null;
  }
  return { perMin, tailSec, quarters };
};

function compareLeak(
  candidate: MemorySummary | null,
  previous: MemorySummary | null,
  units: readonly string[],
  policy: MemoryPolicy,
): MemoryMetric {
  const metric = 'servicesPssSlopeMiBPerMin' as const;
  const c = slopeOf(candidate, units);
  const p = slopeOf(previous, units);
  if (!c || !p)
    return {
      metric,
      previous: p && r1(p.perMin),
      candidate: c && r1(c.perMin),
      changePct: null,
      outcome: 'missing',
      evidence: `no PSS slope of every unit (${units.join(', ')}, 4 samples at least) on the ${p ? 'candidate' : 'previous release'} box`,
    };
  // A previous release that shrank does not lower the bar.
  const excess = (cand: number, prev: number) => cand - Math.max(0, prev);
  const over = excess(c.perMin, p.perMin);
  const growthMiB = (over * c.tailSec) / 60;
  // A leak keeps rising: beyond the limit in each quarter of the last half too, where one step lands in one only.
  const quarters = c.quarters && p.quarters ? ([0, 1] as const).map((i) => excess(c.quarters![i], p.quarters![i])) : null;
  const oneStep = quarters?.some((q) => q <= policy.leakLimitMiBPerMin) ?? false;
  const leak = over > policy.leakLimitMiBPerMin && growthMiB > policy.leakMinGrowthMiB && !oneStep;
  const shape = quarters
    ? `; beyond it by ${quarters.map(r1).join(' and ')} MiB/min in the last two quarters${oneStep && over > policy.leakLimitMiBPerMin ? ': a step, not a leak' : ''}`
    : '';
  return {
    metric,
    previous: r1(p.perMin),
    candidate: r1(c.perMin),
    changePct: null,
    outcome: leak ? 'regression' : 'ok',
    evidence: `slope ${r1(p.perMin)} -> ${r1(c.perMin)} MiB/min over the last ${Math.round(c.tailSec)} s, ${r1(growthMiB)} MiB beyond the previous release's (limit +${r1(policy.leakLimitMiBPerMin)} MiB/min and +${r1(policy.leakMinGrowthMiB)} MiB)${shape}`,
  };
}

export function compareMemory(
  candidate: MemorySummary | null,
  previous: MemorySummary | null,
  units: readonly string[],
  policy: MemoryPolicy = DEFAULT_MEMORY_POLICY,
): MemoryComparison {
  const metrics: MemoryMetric[] = (['steady', 'peak'] as const).map((key) => {
    const metric = key === 'steady' ? ('servicesPssSteadyMiB' as const) : ('servicesPssPeakMiB' as const);
    const p = value(previous, units, key);
    const c = value(candidate, units, key);
    if (p === null || c === null) {
      return {
        metric,
        previous: p,
        candidate: c,
        changePct: null,
        outcome: 'missing' as const,
        evidence: `no ${key} PSS of every unit (${units.join(', ')}) on the ${p === null ? 'previous release' : 'candidate'} box`,
      };
    }
    const changePct = ((c - p) / p) * 100;
    const worse = changePct > policy.maxWorsePct && c - p > policy.minWorseMiB;
    return {
      metric,
      previous: r1(p),
      candidate: r1(c),
      changePct: r1(changePct),
      outcome: worse ? ('regression' as const) : ('ok' as const),
      evidence: `${r1(p)} -> ${r1(c)} MiB (${changePct >= 0 ? '+' : ''}${r1(changePct)}%, limit +${policy.maxWorsePct}% and +${policy.minWorseMiB} MiB)`,
    };
  });
  metrics.push(compareLeak(candidate, previous, units, policy));
  const reasons = metrics.filter((m) => m.outcome !== 'ok').map((m) => `memory ${m.outcome}: ${m.metric} ${m.evidence}`);
  const outcome = metrics.some((m) => m.outcome === 'missing')
    ? 'fail'
    : metrics.some((m) => m.outcome === 'regression')
      ? 'regression'
      : 'pass';
  const box = (m: MemorySummary | null) => (m && m.box.source !== 'none' ? { peak: r1(m.box.peak), steady: r1(m.box.steady) } : null);
  const steadyOf = (m: MemorySummary | null, u: string) => {
    const v = m?.services[u]?.pss.steady;
    return v !== undefined && Number.isFinite(v) ? r1(v) : null;
  };
  const perUnit = Object.fromEntries(units.map((u) => [u, { previous: steadyOf(previous, u), candidate: steadyOf(candidate, u) }]));
  return { outcome, policy, metrics, reasons, units: perUnit, box: { candidate: box(candidate), previous: box(previous) } };
}
