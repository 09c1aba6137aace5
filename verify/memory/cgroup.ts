/** Host side: the box's cgroup v1 memory controller (usage, peak, limit hits, OOM kills), read from files. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CgroupSample {
  /** Milliseconds since the sampling started. */
  tMs: number;
  usageBytes: number;
  maxUsageBytes: number;
  limitBytes: number;
  failcnt: number;
  oomKills: number;
  /** memory.stat, e.g. rss, cache, total_rss, swap. */
  stat: Record<string, number>;
}

const num = (text: string): number => {
  const n = Number(text.trim());
  if (!Number.isFinite(n)) throw new Error(`not a number: ${text.trim().slice(0, 40)}`);
  return n;
};

export function parseKeyValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && Number.isFinite(Number(v))) out[k] = Number(v);
  }
  return out;
}

/** Reads one sample; throws when the group is gone (the box died), which the caller records as missing data. */
export async function readCgroupMemory(cgroupPath: string, tMs = 0): Promise<CgroupSample> {
  const f = (name: string) => readFile(join(cgroupPath, name), 'utf8');
  const [usage, maxUsage, limit, failcnt, oom, stat] = await Promise.all([
    f('memory.usage_in_bytes'),
    f('memory.max_usage_in_bytes'),
    f('memory.limit_in_bytes'),
    f('memory.failcnt'),
    f('memory.oom_control'),
    f('memory.stat'),
  ]);
  // Kernels before 4.13 have no oom_kill line: unknown must not read as zero.
  const oomKills = parseKeyValues(oom).oom_kill;
  if (oomKills === undefined) throw new Error(`${cgroupPath}/memory.oom_control has no oom_kill counter`);
  return {
    tMs,
    usageBytes: num(usage),
    maxUsageBytes: num(maxUsage),
    limitBytes: num(limit),
    failcnt: num(failcnt),
    oomKills,
    stat: parseKeyValues(stat),
  };
}
