/** Test builders: a LoadResult from latencies (through the real HdrHistogram code) and a memory summary from series. */
import { encode, newHistogram, percentiles, recordMs } from '../load/hist.ts';
import type { LoadResult, PhaseResult, SecondSample } from '../load/types.ts';
import type { CgroupSample } from '../memory/cgroup.ts';
import type { RemoteSample } from '../memory/remote.ts';
import { type MemorySummary, summarizeMemory } from '../memory/summary.ts';

const noErrors = { connect: 0, timeout: 0, reset: 0, status5xx: 0, status4xx: 0, protocol: 0 };

/** Deterministic pseudo-random latencies around `medianMs` with a tail (LCG, so tests are repeatable). */
export function latencies(n: number, medianMs: number, seed = 1): number[] {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, () => medianMs * Math.exp((rnd() - 0.5) * 0.6) * (rnd() < 0.02 ? 3 : 1));
}

export interface LoadOpts { rps: number; durationSec: number; lat: number[]; errors?: number; valid?: boolean; late?: number }

export function loadResult(o: LoadOpts): LoadResult {
  const h = newHistogram();
  for (const v of o.lat) recordMs(h, v);
  const scheduled = Math.round(o.rps * o.durationSec);
  const errors = o.errors ?? 0;
  const measure: PhaseResult = {
    name: 'measure', durationSec: o.durationSec, targetRps: o.rps, scheduled, sent: scheduled,
    achievedRps: o.lat.length / o.durationSec, responses: o.lat.length, ok: o.lat.length - errors,
    errors: { ...noErrors, status5xx: errors }, errorTotal: errors, errorRate: scheduled ? errors / scheduled : 0,
    late: o.late ?? 0, dropped: 0, sendLagP99Ms: 0.4, sendLagMaxMs: 2, latency: percentiles(h),
    byEndpoint: [], histogramBase64: encode(h),
  };
  const perSec = Math.max(1, Math.floor(o.lat.length / o.durationSec));
  const series: SecondSample[] = Array.from({ length: o.durationSec }, (_, i) => {
    const chunk = o.lat.slice(i * perSec, (i + 1) * perSec).sort((a, b) => a - b);
    const q = (p: number) => chunk[Math.min(chunk.length - 1, Math.floor(p * chunk.length))] ?? 0;
    return { tSec: i, phase: 'measure', sent: perSec, completed: chunk.length, errors: 0, late: 0, dropped: 0, p50Ms: q(0.5), p95Ms: q(0.95), p99Ms: q(0.99), maxMs: chunk.at(-1) ?? 0 };
  });
  const valid = o.valid ?? true;
  return {
    schemaVersion: 1, tool: 'kiln-load', target: { host: '127.0.0.1', port: 80 },
    spec: { rps: o.rps, warmupSec: 5, durationSec: o.durationSec, maxConnections: 64, timeoutMs: 5000, lateToleranceMs: 10, endpoints: [{ name: 'health', path: '/health', weight: 1 }] },
    startedAt: '2026-11-22T22:00:00.000Z', phases: [measure], measure,
    generator: { cpuShare: 0.2, cpuUserMs: 100, cpuSystemMs: 20, cpusAllowed: '1', peakConnections: 8, connectionsOpened: 8, eventLoopDelayP99Ms: 1 },
    limits: { maxLateFraction: 0.01, maxDroppedFraction: 0.001, maxCpuShare: 0.85 },
    valid, invalidReasons: valid ? [] : ['1200 of 6000 sends (20.00%) left more than 10 ms behind schedule'], series,
  };
}

export interface MemOpts { seconds: number; baseMiB: number; leakMiBPerMin?: number; swapMiB?: number; oomKills?: number; limitMiB?: number }

/** Series shaped like the sampler's output, summarised by the real summary code. */
export function memorySummary(o: MemOpts): MemorySummary {
  const MiB = 1024 * 1024;
  const services = { 'nginx.service': 0.1, 'postgresql@15-main.service': 0.4, 'kiln-app.service': 0.5 };
  const remote: RemoteSample[] = [];
  const cgroup: CgroupSample[] = [];
  for (let t = 0; t < o.seconds; t++) {
    const boxMiB = o.baseMiB + ((o.leakMiBPerMin ?? 0) * t) / 60 + (t % 3) * 0.2;
    const groups: RemoteSample['groups'] = {};
    for (const [name, share] of Object.entries(services)) groups[name] = { rssKiB: boxMiB * share * 1024 * 1.3, pssKiB: boxMiB * share * 1024, processes: 2 };
    remote.push({ uptimeSec: 100 + t, memTotalKiB: (o.limitMiB ?? 512) * 1024, memAvailableKiB: ((o.limitMiB ?? 512) - boxMiB) * 1024, swapUsedKiB: (o.swapMiB ?? 0) * 1024, vmstatOomKills: 0, groups });
    cgroup.push({ tMs: t * 1000, usageBytes: boxMiB * MiB, maxUsageBytes: boxMiB * MiB, limitBytes: (o.limitMiB ?? 512) * MiB, failcnt: 0, oomKills: o.oomKills ?? 0, stat: { total_inactive_file: 0 } });
  }
  return summarizeMemory({ durationSec: o.seconds, remote, cgroup }, Object.keys(services));
}
