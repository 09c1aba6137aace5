/** Capacity of one bench box: the verify capacity search on the canary mix, generator pinned apart, plus its memory peak and OOM kills. */
import { searchCapacity } from '../../verify/load/capacity.ts';
import { runLoadInChild } from '../../verify/load/child.ts';
import type { CapacityResult, LoadResult, LoadSpec } from '../../verify/load/types.ts';
import { canaryLoad, connectionsFor } from '../../verify/defaults.ts';
import type { BenchBox } from './box.ts';
import { memoryStats, resetPeak } from './box.ts';

export interface SearchShape { warmupSec: number; durationSec: number; timeoutMs: number; growth: number; resolution: number; budgetSec: number }
export const DEFAULT_SEARCH: SearchShape = { warmupSec: 2, durationSec: 6, timeoutMs: 5000, growth: 1.4, resolution: 0.1, budgetSec: 240 };
/** This shared box's timers wake 15+ ms late under other jobs' load; lateness still counts as latency (measured from the intended time). */
export const LATE_TOLERANCE_MS = 50;
/** The generator runs at nice -10 on its CPU: other jobs on this host must not make the box look slower. */
export const GEN_NICE = -10;

export interface CapacityRun {
  tier: string;
  variant: string;
  round: number;
  capacityRps: number;
  firstBadRps: number | null;
  limitedBy: CapacityResult['limitedBy'];
  /** The judged figures of the best good step (the capacity), when there was one. */
  atCapacity: { p95Ms: number; p99Ms: number; errorRate: number; achievedRps: number } | null;
  memoryPeakMiB: number;
  memoryPeakPct: number;
  oomKills: number;
  /** why the first bad step was bad (SLO breaches, invalid-run reasons) */
  firstBadWhy: string[];
  steps: CapacityResult['steps'];
  elapsedSec: number;
}

/**
 * Ramps from `startRps`; a step during which the box's cgroup saw an OOM kill is bad whatever its latency.
 * `genCpus`: where the generator runs (taskset -c).
 */
export async function measureCapacity(box: BenchBox, round: number, startRps: number, genCpus: string | undefined, shape: SearchShape = DEFAULT_SEARCH): Promise<CapacityRun> {
  const { host, tier } = box;
  const slo = tier.slo;
  const oom0 = (await memoryStats(host.id)).oomKills;
  await resetPeak(host.id);
  const step = async (s: LoadSpec): Promise<LoadResult> => {
    const before = (await memoryStats(host.id)).oomKills;
    const r = await runLoadInChild(s, { cpus: genCpus, nice: GEN_NICE });
    const kills = (await memoryStats(host.id)).oomKills - before;
    return kills > 0 ? { ...r, valid: false, invalidReasons: [...r.invalidReasons, `${kills} OOM kill(s) in the box`] } : r;
  };
  const base = { ...canaryLoad(host.address, slo, { warmupSec: shape.warmupSec, durationSec: shape.durationSec, timeoutMs: shape.timeoutMs }), lateToleranceMs: LATE_TOLERANCE_MS };
  const res = await searchCapacity({
    base, slo: { p95Ms: slo.p95Ms, p99Ms: slo.p99Ms, maxErrorRate: 0 },
    startRps, growth: shape.growth, maxRps: slo.targetRps * 20, resolution: shape.resolution, budgetSec: shape.budgetSec,
    confirmBad: 1, connectionsFor: (rps) => connectionsFor(rps, slo),
  }, step);
  const mem = await memoryStats(host.id);
  const best = res.steps.filter((s) => s.good && s.rps === res.maxGoodRps).at(-1);
  const peakMiB = mem.maxUsageBytes / 2 ** 20;
  return {
    tier: tier.name, variant: box.variant, round,
    capacityRps: res.maxGoodRps, firstBadRps: res.firstBadRps, limitedBy: res.limitedBy,
    atCapacity: best ? { p95Ms: best.p95Ms, p99Ms: best.p99Ms, errorRate: best.errorRate, achievedRps: Math.round(best.achievedRps * 10) / 10 } : null,
    memoryPeakMiB: Math.round(peakMiB * 10) / 10, memoryPeakPct: Math.round((peakMiB / tier.ramMiB) * 1000) / 10,
    oomKills: mem.oomKills - oom0, firstBadWhy: res.steps.find((s) => !s.good && s.rps === res.firstBadRps)?.why ?? [], steps: res.steps, elapsedSec: res.elapsedSec,
  };
}
