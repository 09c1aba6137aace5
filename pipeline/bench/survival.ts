/**
 * Survival tests on one bench box, each beside a modest load of its workload (half its target rate):
 * a burst of slow requests (the canary's /slow holds a worker; the canary only), and a Redis fill past its maxmemory
 * (an image that runs Redis). Survived = no OOM kill in the box, every stack unit active and every probed endpoint
 * answering its expected status afterwards.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runLoadInChild } from '../../verify/load/child.ts';
import type { LoadResult } from '../../verify/load/types.ts';
import { connectionsFor } from '../../verify/defaults.ts';
import { netnsName } from '../../targets/local/net.ts';
import { placed } from '../../verify/load/cpus.ts';
import { GEN_NICE } from './capacity.ts';
import type { BenchBox } from './box.ts';
import { memoryStats, resetPeak, waitHealthy } from './box.ts';

export interface BurstShape {
  slowMs: number;
  slowRps: number;
  burstSec: number;
  backgroundSec: number;
}
/** 100 requests that each hold a worker for 1 s, sent over 2 s: more than any config here serves at once. */
export const DEFAULT_BURST: BurstShape = { slowMs: 1000, slowRps: 50, burstSec: 2, backgroundSec: 20 };

export interface LoadSummary {
  scheduled: number;
  errors: number;
  errorKinds: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  valid: boolean;
}
export interface SurvivalRun {
  test: 'slow-burst' | 'redis-fill';
  tier: string;
  variant: string;
  survived: boolean;
  oomKills: number;
  memoryPeakMiB: number;
  afterwards: { inactive: string[]; failing: string[] };
  background: LoadSummary;
  slow?: LoadSummary;
  fill?: Record<string, unknown>;
}

const summary = (r: LoadResult): LoadSummary => ({
  scheduled: r.measure.scheduled,
  errors: r.measure.errorTotal,
  errorKinds: Object.fromEntries(Object.entries(r.measure.errors).filter(([, n]) => n > 0)),
  p50Ms: r.measure.latency.p50Ms,
  p99Ms: r.measure.latency.p99Ms,
  maxMs: r.measure.latency.maxMs,
  valid: r.valid,
});

const background = (box: BenchBox, sec: number, cpus?: string) =>
  runLoadInChild(
    {
      host: box.host.address,
      port: 80,
      endpoints: box.workload.endpoints,
      warmupSec: 0,
      durationSec: sec,
      timeoutMs: 10_000,
      rps: Math.round(box.workload.targetRps / 2),
      maxConnections: Math.max(256, connectionsFor(box.workload.targetRps / 2, box.tier.slo, box.workload.endpoints)),
      lateToleranceMs: 50,
    },
    { cpus, nice: GEN_NICE },
  );

/** A test the box's workload does not have (the slow burst on a team's app, the fill without Redis) is refused, not run. */
function applies(box: BenchBox, test: SurvivalRun['test']): void {
  if (!box.workload.survivalTests.includes(test))
    throw new Error(
      `${test} does not apply to ${box.workload.app} on ${box.tier.name} (it has: ${box.workload.survivalTests.join(', ') || 'none'})`,
    );
}

async function judge(box: BenchBox, oom0: number): Promise<Pick<SurvivalRun, 'survived' | 'oomKills' | 'memoryPeakMiB' | 'afterwards'>> {
  const afterwards = await waitHealthy(box.host, 60, box.workload);
  const mem = await memoryStats(box.host.id);
  const oomKills = mem.oomKills - oom0;
  return {
    survived: oomKills === 0 && !afterwards.inactive.length && !afterwards.failing.length,
    oomKills,
    memoryPeakMiB: Math.round((mem.maxUsageBytes / 2 ** 20) * 10) / 10,
    afterwards,
  };
}

export async function slowBurst(box: BenchBox, genCpus?: string, shape: BurstShape = DEFAULT_BURST): Promise<SurvivalRun> {
  applies(box, 'slow-burst');
  const oom0 = (await memoryStats(box.host.id)).oomKills;
  await resetPeak(box.host.id);
  const bg = background(box, shape.backgroundSec, genCpus);
  await new Promise((r) => setTimeout(r, 3000));
  const slow = await runLoadInChild(
    {
      host: box.host.address,
      port: 80,
      endpoints: [{ name: 'slow', path: `/slow?ms=${shape.slowMs}`, weight: 1 }],
      rps: shape.slowRps,
      warmupSec: 0,
      durationSec: shape.burstSec,
      maxConnections: 512,
      timeoutMs: 60_000,
      lateToleranceMs: 50,
    },
    { cpus: genCpus, nice: GEN_NICE },
  );
  const background_ = await bg;
  return {
    test: 'slow-burst',
    tier: box.tier.name,
    variant: box.variant,
    ...(await judge(box, oom0)),
    background: summary(background_),
    slow: summary(slow),
  };
}

/** Fill target: 1.25 x the tier's RAM, more than any maxmemory here and more than the box holds. */
export async function redisFill(box: BenchBox, genCpus?: string): Promise<SurvivalRun> {
  applies(box, 'redis-fill');
  const oom0 = (await memoryStats(box.host.id)).oomKills;
  await resetPeak(box.host.id);
  const targetMiB = Math.round(box.tier.ramMiB * 1.25);
  const bg = background(box, 20, genCpus);
  await new Promise((r) => setTimeout(r, 3000));
  const child = fileURLToPath(new URL('./redis-fill-child.ts', import.meta.url));
  const [cmd, ...args] = placed({ cpus: genCpus, nice: GEN_NICE }, [
    'ip',
    'netns',
    'exec',
    netnsName(box.host.id),
    process.execPath,
    '--import',
    'tsx',
    child,
    String(targetMiB),
  ]);
  const fill = await new Promise<Record<string, unknown>>((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '',
      err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => p.kill('SIGKILL'), 180_000);
    p.on('close', (code) => {
      clearTimeout(t);
      try {
        resolve(JSON.parse(out) as Record<string, unknown>);
      } catch {
        resolve({ failed: `exit ${code}: ${err.slice(-300)}` });
      }
    });
  });
  const background_ = await bg;
  return {
    test: 'redis-fill',
    tier: box.tier.name,
    variant: box.variant,
    ...(await judge(box, oom0)),
    background: summary(background_),
    fill,
  };
}
