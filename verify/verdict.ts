/** The verdict: one JSON document that decides. A pure function of the collected data; anything missing fails. */
import type { Slo } from '../images/tiers.ts';
import type { BaselineComparison } from './baseline.ts';
import type { CheckResult } from './checks/types.ts';
import type { CapacityResult, LoadResult } from './load/types.ts';
import type { MemorySeries, MemorySummary } from './memory/summary.ts';
import { workingSetMiB } from './memory/summary.ts';
import type { ThresholdResult } from './thresholds.ts';
import type { Lineage } from '../model/lineage.ts';
import type { LoadOrigin, VerdictDocument } from '../model/verdict-guard.ts';

export const VERDICT_SCHEMA_VERSION = 1;

/** Memory over time, compact, for the report's plots (MiB, one point per sample). */
export interface MemoryPlot {
  tSec: number[];
  /** The box line has its own clock: the host's cgroup polls when sampled, else the box's samples. */
  boxTSec: number[];
  boxMiB: number[];
  /** service -> PSS MiB per sample */
  services: Record<string, number[]>;
}

/** The document verify writes: the guard's VerdictDocument with each part typed as verify measured it. */
export interface Verdict extends VerdictDocument {
  checks: CheckResult[];
  load: { target: LoadResult | null; capacity: CapacityResult | null };
  memory: { summary: MemorySummary | null; plot: MemoryPlot | null; errors: string[] };
  thresholds: ThresholdResult[];
  baseline: { required: boolean; comparison: BaselineComparison | null };
}

export interface VerdictInput {
  runId: string;
  /** Passed in, not read from the clock: the same data gives the same document. */
  createdAt: string;
  /** Passed in like the time: which kiln judged. */
  kilnVersion: string;
  tier: { name: string; ramMiB: number; vcpus: number; slo: Slo };
  target: string;
  image: { ref: string; lineage: Lineage | null };
  host: { address: string; port: number; hostKey: string };
  checks: CheckResult[];
  load: LoadResult | null;
  capacity: CapacityResult | null;
  /** Absent: the generator ran where kiln runs (every caller before verifiers existed). */
  loadOrigin?: LoadOrigin;
  memory: MemorySummary | null;
  memorySeries: MemorySeries | null;
  memoryErrors: string[];
  thresholds: ThresholdResult[];
  /** Required whenever a promoted image other than the candidate exists: a tier's first image and a re-verified promoted one go without. */
  baselineRequired: boolean;
  baseline: BaselineComparison | null;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

export function memoryPlot(series: MemorySeries | null): MemoryPlot | null {
  if (!series || series.remote.length === 0) return null;
  const t0 = series.remote[0].uptimeSec;
  const names = [...new Set(series.remote.flatMap((s) => Object.keys(s.groups)))].sort();
  const services: Record<string, number[]> = {};
  for (const n of names) services[n] = series.remote.map((s) => r1((s.groups[n]?.pssKiB ?? 0) / 1024));
  // The box line comes from the cgroup when sampled (host view), else from the box's own meminfo.
  // Same source as the summary's box figures (cgroup working set when sampled), so plot and numbers agree.
  const tSec = series.remote.map((s) => r1(s.uptimeSec - t0));
  return series.cgroup.length
    ? { tSec, boxTSec: series.cgroup.map((c) => r1(c.tMs / 1000)), boxMiB: series.cgroup.map((c) => r1(workingSetMiB(c))), services }
    : { tSec, boxTSec: tSec, boxMiB: series.remote.map((s) => r1((s.memTotalKiB - s.memAvailableKiB) / 1024)), services };
}

/** Why the decision is fail; empty means pass. Order is stable: lineage, checks, thresholds, memory, baseline. */
export function failureReasons(input: VerdictInput): string[] {
  const why: string[] = [];
  if (!input.image.ref) why.push('image: no image ref');
  const lin = input.image.lineage;
  if (!lin) why.push('image: no lineage');
  else {
    if (!lin.baseImage) why.push('image: lineage has no base image');
    if (Object.keys(lin.packageVersions).length === 0) why.push('image: lineage has no package versions');
    if (!/^[0-9a-f]{64}$/.test(lin.renderManifestSha256)) why.push('image: lineage has no render manifest sha256');
  }
  if (input.checks.length === 0) why.push('checks: none ran');
  for (const c of input.checks) if (c.status !== 'pass') why.push(`check ${c.id}: ${c.status}: ${c.evidence}`);
  if (input.thresholds.length === 0) why.push('thresholds: none judged');
  for (const t of input.thresholds) if (t.status !== 'pass') why.push(`threshold ${t.id}: ${t.evidence}`);
  for (const e of input.memoryErrors) why.push(`memory sampler: ${e}`);
  if (input.baseline) {
    if (input.baseline.outcome !== 'pass')
      why.push(`baseline: ${input.baseline.outcome}${input.baseline.reasons.length ? `: ${input.baseline.reasons.join('; ')}` : ''}`);
  } else if (input.baselineRequired) {
    why.push('baseline: a promoted baseline exists but no comparison was made');
  }
  return why;
}

/** Non-finite numbers become null so the object equals its own JSON round trip. */
export function jsonSafe<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}

export function buildVerdict(input: VerdictInput): Verdict {
  const reasons = failureReasons(input);
  return jsonSafe({
    schemaVersion: 1,
    kind: 'kiln-verdict',
    runId: input.runId,
    createdAt: input.createdAt,
    kilnVersion: input.kilnVersion,
    tier: input.tier.name,
    tierSpec: { ramMiB: input.tier.ramMiB, vcpus: input.tier.vcpus, slo: input.tier.slo },
    target: input.target,
    image: {
      ref: input.image.ref,
      lineage: input.image.lineage ?? { baseImage: '', packageVersions: {}, renderManifestSha256: '' },
    },
    host: input.host,
    checks: input.checks,
    load: { target: input.load, capacity: input.capacity },
    loadOrigin: input.loadOrigin ?? { kind: 'local' },
    memory: { summary: input.memory, plot: memoryPlot(input.memorySeries), errors: input.memoryErrors },
    thresholds: input.thresholds,
    baseline: { required: input.baselineRequired, comparison: input.baseline },
    decision: reasons.length === 0 ? 'pass' : 'fail',
    reasons,
  } satisfies Verdict);
}
