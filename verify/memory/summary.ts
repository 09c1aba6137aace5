/** Pure: raw memory samples -> peak, steady state and leak slope for the box and each service. */
import type { CgroupSample } from './cgroup.ts';
import type { RemoteSample } from './remote.ts';
import { type SeriesSummary, summarizeSeries } from './stats.ts';

const MiB = 1024 * 1024;
const kibToMiB = (k: number) => k / 1024;

export interface ServiceMemory {
  pss: SeriesSummary;
  rssPeakMiB: number;
  processesPeak: number;
}

export interface MemorySummary {
  durationSec: number;
  remoteSamples: number;
  cgroupSamples: number;
  /** Box memory in MiB: the cgroup's working set when sampled from the host, else MemTotal - MemAvailable. */
  box: SeriesSummary & { source: 'cgroup' | 'meminfo' | 'none' };
  /** The box's RAM in MiB (cgroup limit when set, else MemTotal); NaN when unknown. */
  totalMiB: number;
  cgroupMaxUsageMiB: number | null;
  swapPeakMiB: number;
  minMemAvailableMiB: number;
  /** From the cgroup's oom_control when sampled, else /proc/vmstat; null = unknown (fails the gate). */
  oomKills: number | null;
  failcnt: number | null;
  services: Record<string, ServiceMemory>;
}

export interface MemorySeries {
  durationSec: number;
  remote: RemoteSample[];
  cgroup: CgroupSample[];
}

/** Usage minus inactive page cache (what the kernel cannot simply drop), as container runtimes count it. */
export function workingSetMiB(c: CgroupSample): number {
  const inactive = c.stat.total_inactive_file ?? c.stat.inactive_file ?? 0;
  return Math.max(0, c.usageBytes - inactive) / MiB;
}

export function summarizeMemory(series: MemorySeries, serviceNames?: readonly string[]): MemorySummary {
  const { remote, cgroup } = series;
  const t0 = remote[0]?.uptimeSec ?? 0;
  const rt = remote.map((s) => s.uptimeSec - t0);
  const lastCg = cgroup.at(-1);
  const box = cgroup.length
    ? {
        ...summarizeSeries(
          cgroup.map((c) => c.tMs / 1000),
          cgroup.map(workingSetMiB),
        ),
        source: 'cgroup' as const,
      }
    : remote.length
      ? {
          ...summarizeSeries(
            rt,
            remote.map((s) => kibToMiB(s.memTotalKiB - s.memAvailableKiB)),
          ),
          source: 'meminfo' as const,
        }
      : { ...summarizeSeries([], []), source: 'none' as const };
  const names = serviceNames ?? [...new Set(remote.flatMap((s) => Object.keys(s.groups)))].sort();
  const services: Record<string, ServiceMemory> = {};
  for (const name of names) {
    const pss = remote.map((s) => kibToMiB(s.groups[name]?.pssKiB ?? 0));
    services[name] = {
      pss: summarizeSeries(rt, pss),
      rssPeakMiB: Math.max(0, ...remote.map((s) => kibToMiB(s.groups[name]?.rssKiB ?? 0))),
      processesPeak: Math.max(0, ...remote.map((s) => s.groups[name]?.processes ?? 0)),
    };
  }
  const limitMiB = lastCg && lastCg.limitBytes < 2 ** 60 ? lastCg.limitBytes / MiB : NaN;
  const lastRemote = remote.at(-1);
  const vmstatOom = lastRemote && lastRemote.vmstatOomKills >= 0 ? lastRemote.vmstatOomKills : null;
  return {
    durationSec: series.durationSec,
    remoteSamples: remote.length,
    cgroupSamples: cgroup.length,
    box,
    totalMiB: Number.isFinite(limitMiB) ? limitMiB : lastRemote ? kibToMiB(lastRemote.memTotalKiB) : NaN,
    cgroupMaxUsageMiB: lastCg ? lastCg.maxUsageBytes / MiB : null,
    swapPeakMiB: remote.length ? Math.max(...remote.map((s) => kibToMiB(s.swapUsedKiB))) : NaN,
    minMemAvailableMiB: remote.length ? Math.min(...remote.map((s) => kibToMiB(s.memAvailableKiB))) : NaN,
    oomKills: lastCg ? lastCg.oomKills : vmstatOom,
    failcnt: lastCg ? lastCg.failcnt : null,
    services,
  };
}
