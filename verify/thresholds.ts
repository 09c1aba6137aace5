/** The tier's SLO and memory rules applied to one load run and its memory summary. Anything unknown fails. */
import type { Slo } from '../images/tiers.ts';
import type { EndpointSummary, LoadResult } from './load/types.ts';
import type { SeriesSummary } from './memory/stats.ts';
import type { MemorySummary } from './memory/summary.ts';

export interface ThresholdResult {
  id: string;
  /** skipped: not judged, for the reason in `evidence`; a verdict with one cannot pass (the guard wants every threshold passed). */
  status: 'pass' | 'fail' | 'skipped';
  /** What the limit is, in the unit the id names. */
  limit: number | string;
  observed: number | string | null;
  evidence: string;
}

export interface ThresholdInput {
  slo: Slo;
  /** The box's RAM: the memory ceiling is a share of it. */
  ramMiB: number;
  /** The judged run at the tier's target rate; null when it did not happen. */
  load: LoadResult | null;
  memory: MemorySummary | null;
  /** Growth tolerated over the last half of the run, box and per service (default: defaultLeakLimitMiBPerMin). */
  leakLimitMiBPerMin?: number;
  /** The achieved rate must reach this share of the target (open loop: a slow server completes fewer). */
  minAchievedShare?: number;
  /** Absent or judged: latency limits apply. */
  latency?: LatencyJudgement;
}

/** Whether latency limits are applied; when not, why (recorded on each skipped threshold). */
export type LatencyJudgement = { judged: true } | { judged: false; reason: string };

/** Only a host that says it is emulated (software CPU) skips latency; a missing or odd field is judged (fail closed). */
export function latencyJudgement(host: { emulated?: unknown; accelerator?: unknown }): LatencyJudgement {
  if (host.emulated !== true) return { judged: true };
  return {
    judged: false,
    reason: `the machine runs under software emulation (${typeof host.accelerator === 'string' ? host.accelerator : 'accelerator unknown'}): its latency says nothing about the tier`,
  };
}

/** A latency limit that was not applied, with its reason. */
function notJudged(t: ThresholdResult, why: LatencyJudgement): ThresholdResult {
  return why.judged
    ? t
    : { ...t, status: 'skipped', evidence: `not judged: ${why.reason} (measured ${t.observed ?? 'nothing'} ms, limit ${t.limit} ms)` };
}

const isLatency = (id: string) => /^slo:p9[59](:|$)/.test(id);

/** 1% of RAM per minute, at least 8 MiB/min: below that, page-cache and allocator noise dominate short runs. */
export const defaultLeakLimitMiBPerMin = (ramMiB: number): number => Math.max(8, ramMiB * 0.01);
/** A leak must also have grown this much over the fitted window: one buffer-pool step is not a leak. */
export const defaultLeakMinGrowthMiB = (ramMiB: number): number => Math.max(4, ramMiB * 0.01);

/** Fails when the slope is over the limit AND the fitted growth over the window is real; unknown fails. */
function leak(id: string, s: SeriesSummary, limit: number, minGrowthMiB: number, unit: string): ThresholdResult {
  const slopeCheck = atMost(id, s.slopePerMin, limit, unit);
  if (slopeCheck.status === 'pass' || slopeCheck.observed === null) return slopeCheck;
  const growth = (s.slopePerMin * s.tailSec) / 60;
  if (growth > minGrowthMiB)
    return { ...slopeCheck, evidence: `${slopeCheck.evidence}, grew ${growth.toFixed(1)} MiB in ${Math.round(s.tailSec)} s` };
  return {
    ...slopeCheck,
    status: 'pass',
    evidence: `${slopeCheck.evidence} but grew only ${growth.toFixed(1)} MiB in ${Math.round(s.tailSec)} s (<= ${minGrowthMiB} MiB): a step, not a leak`,
  };
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function atMost(id: string, observed: unknown, limit: number, unit: string): ThresholdResult {
  if (!finite(observed)) return { id, status: 'fail', limit, observed: null, evidence: `no measurement (limit ${limit} ${unit})` };
  const ok = observed <= limit;
  const shown = Math.round(observed * 100) / 100;
  return { id, status: ok ? 'pass' : 'fail', limit, observed: shown, evidence: `${shown} ${unit} ${ok ? '<=' : '>'} ${limit} ${unit}` };
}

function atLeast(id: string, observed: unknown, limit: number, unit: string): ThresholdResult {
  if (!finite(observed)) return { id, status: 'fail', limit, observed: null, evidence: `no measurement (needs >= ${limit} ${unit})` };
  const ok = observed >= limit;
  const shown = Math.round(observed * 100) / 100;
  return { id, status: ok ? 'pass' : 'fail', limit, observed: shown, evidence: `${shown} ${unit} ${ok ? '>=' : '<'} ${limit} ${unit}` };
}

type StatusSeen = Pick<EndpointSummary, 'expectedStatus' | 'statuses'>;

/** The statuses that counted as errors, as [code, responses]: not the expected one, or any 4xx/5xx when none is expected. */
export function wrongStatuses(e: StatusSeen): [string, number][] {
  const expected = e.expectedStatus ?? null;
  return Object.entries(e.statuses ?? {}).filter(([code]) => (expected === null ? Number(code) >= 400 : Number(code) !== expected));
}

/** "expected 201, got 403 x120, 302 x3"; empty when every response had the right status. */
export function unexpectedStatuses(e: StatusSeen): string {
  const got = wrongStatuses(e)
    .map(([code, n]) => `${code} x${n}`)
    .join(', ');
  if (!got) return '';
  return e.expectedStatus === null || e.expectedStatus === undefined ? `got ${got}` : `expected ${e.expectedStatus}, got ${got}`;
}

/** Per endpoint of the judged run: its error share within the tier's limit, and its own p95/p99 limits when set. */
export function endpointThresholds(slo: Slo, load: LoadResult): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  (load.spec?.endpoints ?? []).forEach((ep, i) => {
    const got = load.measure.byEndpoint?.[i];
    // matched by position and name: a summary of another endpoint is no measurement of this one
    const e = got && got.name === ep.name ? got : null;
    const measured = e !== null && e.responses > 0;
    const errors = atMost(`errors:${ep.name}`, measured && e.scheduled > 0 ? (e.errors / e.scheduled) * 100 : NaN, slo.errorRatePct, '%');
    const detail = e ? [`${e.errors} of ${e.scheduled} requests`, unexpectedStatuses(e)].filter(Boolean).join(': ') : '';
    out.push(detail ? { ...errors, evidence: `${errors.evidence} (${detail})` } : errors);
    if (ep.p95Ms !== undefined) out.push(atMost(`slo:p95:${ep.name}`, measured ? e.p95Ms : NaN, ep.p95Ms, 'ms'));
    if (ep.p99Ms !== undefined) out.push(atMost(`slo:p99:${ep.name}`, measured ? e.p99Ms : NaN, ep.p99Ms, 'ms'));
  });
  return out;
}

export function loadThresholds(slo: Slo, load: LoadResult | null, minAchievedShare: number): ThresholdResult[] {
  if (!load?.measure) {
    return [
      { id: 'load:ran', status: 'fail', limit: 'a load run at the target rate', observed: null, evidence: 'no load run: nothing to judge' },
    ];
  }
  const m = load.measure;
  const valid: ThresholdResult =
    load.valid && load.invalidReasons.length === 0
      ? {
          id: 'load:valid',
          status: 'pass',
          limit: 'generator kept up',
          observed: 'valid',
          evidence: `late ${m.late}, dropped ${m.dropped}, generator CPU ${(load.generator.cpuShare * 100).toFixed(1)}%`,
        }
      : {
          id: 'load:valid',
          status: 'fail',
          limit: 'generator kept up',
          observed: 'invalid',
          evidence: load.invalidReasons.join('; ') || 'run marked invalid',
        };
  return [
    valid,
    atLeast('load:target-rps', m.targetRps, slo.targetRps, 'req/s scheduled'),
    atLeast('load:achieved-rps', m.achievedRps, Math.round(slo.targetRps * minAchievedShare * 100) / 100, 'req/s'),
    atLeast('load:responses', m.responses, 1, 'responses'),
    atMost('slo:p95', m.responses > 0 ? m.latency.p95Ms : NaN, slo.p95Ms, 'ms'),
    atMost('slo:p99', m.responses > 0 ? m.latency.p99Ms : NaN, slo.p99Ms, 'ms'),
    atMost('slo:error-rate', m.scheduled > 0 ? m.errorRate * 100 : NaN, slo.errorRatePct, '%'),
    ...endpointThresholds(slo, load),
  ];
}

export function memoryThresholds(
  slo: Slo,
  ramMiB: number,
  mem: MemorySummary | null,
  leakLimit: number,
  minGrowth = defaultLeakMinGrowthMiB(ramMiB),
): ThresholdResult[] {
  if (!mem || mem.remoteSamples === 0) {
    return [
      {
        id: 'memory:sampled',
        status: 'fail',
        limit: 'memory samples during the run',
        observed: 0,
        evidence: 'no memory samples: nothing to judge',
      },
    ];
  }
  const ceilingMiB = Math.round(ramMiB * slo.memoryCeilingPct) / 100;
  const out: ThresholdResult[] = [
    atLeast('memory:sampled', mem.remoteSamples, 2, 'samples'),
    atMost('memory:peak', mem.box.peak, ceilingMiB, `MiB (${slo.memoryCeilingPct}% of ${ramMiB})`),
    atMost('memory:oom-kills', mem.oomKills ?? NaN, 0, 'OOM kills'),
    atMost('memory:swap', mem.swapPeakMiB, 0, 'MiB swap'),
    leak('memory:leak', mem.box, leakLimit, minGrowth, 'MiB/min'),
  ];
  for (const name of Object.keys(mem.services).sort()) {
    out.push(leak(`memory:leak:${name}`, mem.services[name].pss, leakLimit, minGrowth, 'MiB/min PSS'));
  }
  return out;
}

export function judgeThresholds(input: ThresholdInput): ThresholdResult[] {
  const leak = input.leakLimitMiBPerMin ?? defaultLeakLimitMiBPerMin(input.ramMiB);
  const latency = input.latency ?? { judged: true };
  return [
    ...loadThresholds(input.slo, input.load, input.minAchievedShare ?? 0.95).map((t) => (isLatency(t.id) ? notJudged(t, latency) : t)),
    ...memoryThresholds(input.slo, input.ramMiB, input.memory, leak),
  ];
}
