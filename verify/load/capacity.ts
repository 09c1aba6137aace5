import { performance } from 'node:perf_hooks';
import { InputError } from '../../images/errors.ts';
import { runLoad } from './run.ts';
import type { CapacityResult, CapacitySpec, CapacityStep, LoadResult, LoadSpec, Slo } from './types.ts';

/** How a finished run fares against the SLO: bad for a breach or for an invalid run. */
export function judgeStep(r: LoadResult, slo: Slo): { good: boolean; why: string[]; generatorLimited: boolean; sloBreached: boolean } {
  const m = r.measure;
  const why = [...r.invalidReasons];
  if (m.latency.p95Ms > slo.p95Ms) why.push(`p95 ${m.latency.p95Ms} ms > ${slo.p95Ms} ms`);
  if (m.latency.p99Ms > slo.p99Ms) why.push(`p99 ${m.latency.p99Ms} ms > ${slo.p99Ms} ms`);
  if (m.errorRate > slo.maxErrorRate) why.push(`error rate ${(m.errorRate * 100).toFixed(2)}% > ${(slo.maxErrorRate * 100).toFixed(2)}%`);
  const generatorLimited =
    !r.valid && m.scheduled > 0 && (m.late / m.scheduled > r.limits.maxLateFraction || r.generator.cpuShare > r.limits.maxCpuShare);
  const sloBreached = why.length > r.invalidReasons.length;
  return { good: why.length === 0, why, generatorLimited, sloBreached };
}

type Judged = CapacityStep & { generatorLimited: boolean; sloBreached: boolean };

function toStep(stage: CapacityStep['stage'], rps: number, attempt: number, r: LoadResult, slo: Slo): Judged {
  const j = judgeStep(r, slo);
  const m = r.measure;
  return {
    stage,
    rps,
    attempt,
    good: j.good,
    why: j.why,
    valid: r.valid,
    generatorLimited: j.generatorLimited,
    sloBreached: j.sloBreached,
    achievedRps: m.achievedRps,
    p50Ms: m.latency.p50Ms,
    p95Ms: m.latency.p95Ms,
    p99Ms: m.latency.p99Ms,
    errorRate: m.errorRate,
    cpuShare: r.generator.cpuShare,
    late: m.late,
    dropped: m.dropped,
  };
}

/**
 * Steps the rate up geometrically until the SLO breaks or the run turns invalid, then bisects
 * (geometrically) between the last good and the first bad rate. Never starts a step that would
 * end past the budget. `run` is injectable so a caller can run steps in a pinned child process.
 */
export async function searchCapacity(spec: CapacitySpec, run: (s: LoadSpec) => Promise<LoadResult> = runLoad): Promise<CapacityResult> {
  if (!(spec.growth > 1)) throw new InputError('growth', spec.growth, 'a factor > 1', 'use e.g. 2');
  if (!(spec.startRps > 0 && spec.startRps <= spec.maxRps))
    throw new InputError('startRps', spec.startRps, `0 < startRps ≤ maxRps (${spec.maxRps})`, 'lower startRps or raise maxRps');
  if (!(spec.resolution > 0)) throw new InputError('resolution', spec.resolution, 'a ratio > 0', 'use e.g. 0.1');
  const t0 = performance.now();
  const elapsedSec = () => (performance.now() - t0) / 1000;
  const stepSec = spec.base.warmupSec + spec.base.durationSec + spec.base.timeoutMs / 1000 + 1;
  const steps: Judged[] = [];
  const fits = () => elapsedSec() + stepSec <= spec.budgetSec;
  const step = async (stage: CapacityStep['stage'], rps: number) => {
    const maxConnections = spec.connectionsFor ? spec.connectionsFor(rps) : spec.base.maxConnections;
    let s = toStep(stage, rps, 0, await run({ ...spec.base, rps, maxConnections }), spec.slo);
    steps.push(s);
    for (let a = 1; !s.good && a <= (spec.confirmBad ?? 1) && fits(); a++) {
      s = toStep(stage, rps, a, await run({ ...spec.base, rps, maxConnections }), spec.slo);
      steps.push(s);
    }
    return s;
  };

  let good = 0;
  let bad: Judged | null = null;
  let limitedBy: CapacityResult['limitedBy'] = 'maxRps';
  for (let rps = spec.startRps; ; rps = Math.min(spec.maxRps, rps * spec.growth)) {
    if (!fits()) {
      limitedBy = 'budget';
      break;
    }
    const s = await step('ramp', round(rps));
    if (!s.good) {
      bad = s;
      break;
    }
    good = s.rps;
    if (rps >= spec.maxRps) break;
  }
  while (bad && good > 0 && bad.rps / good > 1 + spec.resolution && fits()) {
    const s = await step('bisect', round(Math.sqrt(good * bad.rps)));
    if (s.good) good = s.rps;
    else bad = s;
  }
  if (bad) limitedBy = good === 0 ? 'none-good' : bad.generatorLimited ? 'generator' : bad.sloBreached ? 'slo' : 'pool';
  return {
    schemaVersion: 1,
    slo: spec.slo,
    maxGoodRps: good,
    firstBadRps: bad ? bad.rps : null,
    limitedBy,
    steps: steps.map(({ generatorLimited: _g, sloBreached: _s, ...s }) => s),
    elapsedSec: Math.round(elapsedSec() * 10) / 10,
  };
}

const round = (rps: number) => (rps >= 100 ? Math.round(rps) : Math.round(rps * 10) / 10);
