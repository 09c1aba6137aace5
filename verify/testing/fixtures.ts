/** Test builders: a LoadResult from latencies (through the real HdrHistogram code) and a memory summary from series. */
import { encode, newHistogram, percentiles, recordMs } from '../load/hist.ts';
import type { CapacityResult, EndpointSummary, LoadResult, PhaseResult, SecondSample } from '../load/types.ts';
import { BUILTIN_TIERS } from '../../images/tiers.ts';
import { compareWithBaseline } from '../baseline.ts';
import type { CheckResult } from '../checks/types.ts';
import { judgeThresholds } from '../thresholds.ts';
import type { VerdictInput } from '../verdict.ts';
import type { CgroupSample } from '../memory/cgroup.ts';
import type { RemoteSample } from '../memory/remote.ts';
import { type MemorySeries, type MemorySummary, summarizeMemory } from '../memory/summary.ts';

const noErrors = { connect: 0, timeout: 0, reset: 0, status5xx: 0, status4xx: 0, protocol: 0, unexpectedStatus: 0 };

/** Deterministic pseudo-random latencies around `medianMs` with a tail (LCG, so tests are repeatable). */
export function latencies(n: number, medianMs: number, seed = 1): number[] {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, () => medianMs * Math.exp((rnd() - 0.5) * 0.6) * (rnd() < 0.02 ? 3 : 1));
}

export interface LoadOpts {
  rps: number;
  durationSec: number;
  lat: number[];
  errors?: number;
  valid?: boolean;
  late?: number;
}

export function loadResult(o: LoadOpts): LoadResult {
  const h = newHistogram();
  for (const v of o.lat) recordMs(h, v);
  const scheduled = Math.round(o.rps * o.durationSec);
  const errors = o.errors ?? 0;
  const p = percentiles(h);
  const statuses: Record<string, number> = {};
  if (o.lat.length - errors > 0) statuses['200'] = o.lat.length - errors;
  if (errors > 0) statuses['500'] = errors;
  // the whole run is the one endpoint the spec below names
  const health: EndpointSummary = {
    name: 'health',
    path: '/health',
    method: 'GET',
    expectedStatus: null,
    scheduled,
    responses: o.lat.length,
    errors,
    statuses,
    p50Ms: p.p50Ms,
    p95Ms: p.p95Ms,
    p99Ms: p.p99Ms,
  };
  const measure: PhaseResult = {
    name: 'measure',
    durationSec: o.durationSec,
    targetRps: o.rps,
    scheduled,
    sent: scheduled,
    achievedRps: o.lat.length / o.durationSec,
    responses: o.lat.length,
    ok: o.lat.length - errors,
    errors: { ...noErrors, status5xx: errors },
    errorTotal: errors,
    errorRate: scheduled ? errors / scheduled : 0,
    late: o.late ?? 0,
    dropped: 0,
    sendLagP99Ms: 0.4,
    sendLagMaxMs: 2,
    latency: p,
    byEndpoint: [health],
    histogramBase64: encode(h),
  };
  const perSec = Math.max(1, Math.floor(o.lat.length / o.durationSec));
  const series: SecondSample[] = Array.from({ length: o.durationSec }, (_, i) => {
    const chunk = o.lat.slice(i * perSec, (i + 1) * perSec).sort((a, b) => a - b);
    const q = (p: number) => chunk[Math.min(chunk.length - 1, Math.floor(p * chunk.length))] ?? 0;
    return {
      tSec: i,
      phase: 'measure',
      sent: perSec,
      completed: chunk.length,
      errors: 0,
      late: 0,
      dropped: 0,
      p50Ms: q(0.5),
      p95Ms: q(0.95),
      p99Ms: q(0.99),
      maxMs: chunk.at(-1) ?? 0,
    };
  });
  const valid = o.valid ?? true;
  return {
    schemaVersion: 1,
    tool: 'kiln-load',
    target: { host: '127.0.0.1', port: 80 },
    spec: {
      rps: o.rps,
      warmupSec: 5,
      durationSec: o.durationSec,
      maxConnections: 64,
      timeoutMs: 5000,
      lateToleranceMs: 10,
      endpoints: [{ name: 'health', path: '/health', weight: 1 }],
    },
    startedAt: '2026-11-22T22:00:00.000Z',
    phases: [measure],
    measure,
    generator: {
      cpuShare: 0.2,
      cpuUserMs: 100,
      cpuSystemMs: 20,
      cpusAllowed: '1',
      peakConnections: 8,
      connectionsOpened: 8,
      eventLoopDelayP99Ms: 1,
    },
    limits: { maxLateFraction: 0.01, maxDroppedFraction: 0.001, maxCpuShare: 0.85, graceCount: 2 },
    valid,
    invalidReasons: valid ? [] : ['1200 of 6000 sends (20.00%) left more than 10 ms behind schedule'],
    series,
  };
}

export interface MemOpts {
  seconds: number;
  baseMiB: number;
  leakMiBPerMin?: number;
  swapMiB?: number;
  oomKills?: number;
  limitMiB?: number;
}

export const SERVICES = { 'nginx.service': 0.1, 'postgresql@15-main.service': 0.4, 'kiln-app.service': 0.5 };

/** Series shaped like the sampler's output, summarised by the real summary code. */
export function memorySummary(o: MemOpts): MemorySummary {
  return summarizeMemory(memorySeries(o), Object.keys(SERVICES));
}

export function memorySeries(o: MemOpts): MemorySeries {
  const MiB = 1024 * 1024;
  const services = SERVICES;
  const remote: RemoteSample[] = [];
  const cgroup: CgroupSample[] = [];
  for (let t = 0; t < o.seconds; t++) {
    const boxMiB = o.baseMiB + ((o.leakMiBPerMin ?? 0) * t) / 60 + (t % 3) * 0.2;
    const groups: RemoteSample['groups'] = {};
    for (const [name, share] of Object.entries(services))
      groups[name] = { rssKiB: boxMiB * share * 1024 * 1.3, pssKiB: boxMiB * share * 1024, processes: 2 };
    remote.push({
      uptimeSec: 100 + t,
      memTotalKiB: (o.limitMiB ?? 512) * 1024,
      memAvailableKiB: ((o.limitMiB ?? 512) - boxMiB) * 1024,
      swapUsedKiB: (o.swapMiB ?? 0) * 1024,
      vmstatOomKills: 0,
      groups,
    });
    cgroup.push({
      tMs: t * 1000,
      usageBytes: boxMiB * MiB,
      maxUsageBytes: boxMiB * MiB,
      limitBytes: (o.limitMiB ?? 512) * MiB,
      failcnt: 0,
      oomKills: o.oomKills ?? 0,
      stat: { total_inactive_file: 0 },
    });
  }
  return { durationSec: o.seconds, remote, cgroup };
}

/** A complete, passing verdict input for a nano box (every part real data shaped like a run's). */
export function verdictInput(): VerdictInput {
  const tier = BUILTIN_TIERS.find((t) => t.name === 'nano')!;
  const load = loadResult({ rps: 150, durationSec: 30, lat: latencies(4500, 20) });
  const series = memorySeries({ seconds: 30, baseMiB: 200 });
  const memory = summarizeMemory(series, Object.keys(SERVICES));
  const checks: CheckResult[] = [
    { id: 'service:nginx.service', status: 'pass', evidence: 'is-active=active is-enabled=enabled' },
    { id: 'listening', status: 'pass', evidence: 'off loopback only: 0.0.0.0:80(nginx) 0.0.0.0:22(sshd)' },
    { id: 'sshd:passwordauthentication', status: 'pass', evidence: 'passwordauthentication no' },
  ];
  const capacity: CapacityResult = {
    schemaVersion: 1,
    slo: { p95Ms: 200, p99Ms: 500, maxErrorRate: 0.001 },
    maxGoodRps: 420,
    firstBadRps: 480,
    limitedBy: 'slo',
    elapsedSec: 90,
    steps: [150, 300, 600, 450, 420, 480].map((rps) => ({
      stage: rps <= 600 && rps !== 450 && rps !== 420 && rps !== 480 ? 'ramp' : 'bisect',
      rps,
      attempt: 0,
      good: rps <= 420,
      why: rps <= 420 ? [] : ['p95 over'],
      valid: true,
      achievedRps: Math.min(rps, 460),
      p50Ms: 10 + rps / 20,
      p95Ms: rps <= 420 ? 40 + rps / 5 : 260 + rps / 3,
      p99Ms: rps <= 420 ? 90 + rps / 3 : 600,
      errorRate: 0,
      cpuShare: 0.3,
      late: 0,
      dropped: 0,
    })),
  };
  return {
    runId: 'run-0001',
    createdAt: '2026-11-22T22:00:00.000Z',
    kilnVersion: '0.0.0-test',
    tier: { name: tier.name, ramMiB: tier.ramMiB, vcpus: tier.vcpus, slo: tier.slo },
    target: 'local',
    image: {
      ref: 'local:sha256-abc',
      lineage: {
        baseImage: 'debian:bookworm minbase',
        packageVersions: { nginx: '1.22.1-9', postgresql: '15.8-0+deb12u1' },
        renderManifestSha256: 'a'.repeat(64),
      },
    },
    host: { address: '10.77.1.2', port: 22, hostKey: `SHA256:${'B'.repeat(43)}` },
    checks,
    load,
    capacity,
    memory,
    memorySeries: series,
    memoryErrors: [],
    thresholds: judgeThresholds({ slo: tier.slo, ramMiB: tier.ramMiB, load, memory }),
    baselineRequired: true,
    baseline: compareWithBaseline([{ metric: 'p95Ms', baseline: [20, 21, 19, 20, 22], candidate: [21, 20, 20, 19, 21] }]),
  };
}
