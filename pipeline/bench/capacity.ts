/** Capacity of one bench box: the verify capacity search on its workload's mix (the canary's or the app's traffic), generator pinned apart, plus its memory peak and OOM kills. */
import { searchCapacity } from '../../verify/load/capacity.ts';
import { runLoadInChild } from '../../verify/load/child.ts';
import type { CapacityResult, Endpoint, LoadResult, LoadSpec } from '../../verify/load/types.ts';
import { CANARY_MIX, connectionsFor } from '../../verify/defaults.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { groupPath } from '../../targets/local/cgroup.ts';
import type { BenchBox } from './box.ts';
import { boxCpuNs, cpuByPid, cpuDelta } from './proc-cpu.ts';
import { memoryStats, resetPeak } from './box.ts';

/** The canary's /slow refuses more (SLOW_MAX_MS in images/app/canary/kiln_canary/views.py). */
export const IO_MS_MAX = 2000;
/** An upstream wait the canary serves: whole ms, 1..IO_MS_MAX. */
export const ioMsAllowed = (ms: number): boolean => Number.isInteger(ms) && ms >= 1 && ms <= IO_MS_MAX;
/**
 * The canary mix plus a sixth of requests that wait `ioMs` on an upstream while holding their worker (the canary's
 * /slow, like a slow query or an API call): the canary alone costs ~1 ms of CPU and almost no waiting, so it measures
 * CPU per request, not concurrency. Absent = the canary mix as verify runs it.
 */
export const benchMix = (ioMs?: number): Endpoint[] =>
  ioMs === undefined ? [...CANARY_MIX] : [...CANARY_MIX, { name: 'io', path: `/slow?ms=${ioMs}`, weight: 2 }];

export interface SearchShape {
  warmupSec: number;
  durationSec: number;
  timeoutMs: number;
  growth: number;
  resolution: number;
  budgetSec: number;
  maxTimesTarget: number;
}
// maxTimesTarget: the search's ceiling in multiples of the tier's target rate; 20 capped unpinned nano (150 req/s) at 3000.
export const DEFAULT_SEARCH: SearchShape = {
  warmupSec: 2,
  durationSec: 5,
  timeoutMs: 5000,
  growth: 2,
  resolution: 0.15,
  budgetSec: 200,
  maxTimesTarget: 64,
};
/**
 * This VM's timers wake 50+ ms late for 5-15% of sends under other jobs' load, even pinned at nice -10 with the
 * generator at 5% CPU; late sends still count as latency (measured from the intended time), so the SLO judges them.
 */
export const LATE_TOLERANCE_MS = 50;
export const MAX_LATE_FRACTION = 0.2;
/** The generator runs at nice -10 on its CPU: other jobs on this host must not make the box look slower. */
export const GEN_NICE = -10;
/**
 * cgroup v1 cpu.shares of the box while it is measured (default 1024), pinned runs only: on its own CPU it must
 * outweigh idle boxes and other jobs; unpinned it would outweigh the generator, whose late sends then read as latency.
 */
export const BOX_UNDER_TEST_SHARES = 8192;

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
  /** The box's CPU time (cpuacct) over the search / the requests it answered: what a request costs, whatever the noise. */
  boxCpuMsPerRequest: number;
  /** CPU seconds by process name over the search (live processes only: recycled workers take theirs along). */
  cpuByProcessSec: Record<string, number>;
  /** Error kinds of every step that had errors (the capacity search keeps only the rate). */
  stepErrors: { rps: number; errors: Record<string, number> }[];
  /** why the first bad step was bad (SLO breaches, invalid-run reasons) */
  firstBadWhy: string[];
  steps: CapacityResult['steps'];
  elapsedSec: number;
}

/**
 * Ramps from `startRps` on the box's workload (endpoints with their methods, bodies, headers and expected statuses);
 * a step during which the box's cgroup saw an OOM kill is bad whatever its latency. `genCpus`: where the generator runs (taskset -c).
 */
export async function measureCapacity(
  box: BenchBox,
  round: number,
  startRps: number,
  genCpus: string | undefined,
  shape: SearchShape = DEFAULT_SEARCH,
): Promise<CapacityRun> {
  const { host, tier, workload } = box;
  const { endpoints } = workload;
  const slo = tier.slo;
  const oom0 = (await memoryStats(host.id)).oomKills;
  await resetPeak(host.id);
  const cpu0 = await boxCpuNs(host.id);
  const procs0 = await cpuByPid(host.id);
  // The box under test outweighs other jobs on its CPU (idle boxes of this bench and other users' work); back to default after.
  const shares = join(groupPath('cpu', host.id), 'cpu.shares');
  const weight = genCpus === undefined ? 1024 : BOX_UNDER_TEST_SHARES;
  await writeFile(shares, String(weight));
  let responses = 0;
  const stepErrors: CapacityRun['stepErrors'] = [];
  const step = async (s: LoadSpec): Promise<LoadResult> => {
    const before = (await memoryStats(host.id)).oomKills;
    const r = await runLoadInChild(s, { cpus: genCpus, nice: GEN_NICE });
    const kills = (await memoryStats(host.id)).oomKills - before;
    responses += r.phases.reduce((a, p) => a + p.responses, 0);
    if (r.measure.errorTotal > 0)
      stepErrors.push({ rps: s.rps, errors: Object.fromEntries(Object.entries(r.measure.errors).filter(([, n]) => n > 0)) });
    return kills > 0 ? { ...r, valid: false, invalidReasons: [...r.invalidReasons, `${kills} OOM kill(s) in the box`] } : r;
  };
  const base = {
    host: host.address,
    port: 80,
    endpoints,
    maxConnections: connectionsFor(workload.targetRps, slo, endpoints),
    ...(workload.hostHeader ? { hostHeader: workload.hostHeader } : {}),
    warmupSec: shape.warmupSec,
    durationSec: shape.durationSec,
    timeoutMs: shape.timeoutMs,
    lateToleranceMs: LATE_TOLERANCE_MS,
    validity: { maxLateFraction: MAX_LATE_FRACTION },
  };
  const res = await searchCapacity(
    {
      base,
      slo: { p95Ms: slo.p95Ms, p99Ms: slo.p99Ms, maxErrorRate: 0 },
      startRps,
      growth: shape.growth,
      maxRps: workload.targetRps * shape.maxTimesTarget,
      resolution: shape.resolution,
      budgetSec: shape.budgetSec,
      confirmBad: 1,
      connectionsFor: (rps) => connectionsFor(rps, slo, endpoints),
    },
    step,
  ).finally(() => writeFile(shares, '1024'));
  const mem = await memoryStats(host.id);
  const cpuMs = ((await boxCpuNs(host.id)) - cpu0) / 1e6;
  const cpuByProcessSec = cpuDelta(procs0, await cpuByPid(host.id));
  const best = res.steps.filter((s) => s.good && s.rps === res.maxGoodRps).at(-1);
  const peakMiB = mem.maxUsageBytes / 2 ** 20;
  return {
    tier: tier.name,
    variant: box.variant,
    round,
    capacityRps: res.maxGoodRps,
    firstBadRps: res.firstBadRps,
    limitedBy: res.limitedBy,
    atCapacity: best
      ? { p95Ms: best.p95Ms, p99Ms: best.p99Ms, errorRate: best.errorRate, achievedRps: Math.round(best.achievedRps * 10) / 10 }
      : null,
    memoryPeakMiB: Math.round(peakMiB * 10) / 10,
    memoryPeakPct: Math.round((peakMiB / tier.ramMiB) * 1000) / 10,
    oomKills: mem.oomKills - oom0,
    stepErrors,
    cpuByProcessSec,
    boxCpuMsPerRequest: responses ? Math.round((cpuMs / responses) * 100) / 100 : 0,
    firstBadWhy: res.steps.find((s) => !s.good && s.rps === res.firstBadRps)?.why ?? [],
    steps: res.steps,
    elapsedSec: res.elapsedSec,
  };
}
