/** cgroup v1 groups `kiln-<id>` per controller: the box's memory and CPU limits, and how to empty them. */
import { access, mkdir, readdir, readFile, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CGROUP_ROOT } from './preflight.ts';

/** Every hierarchy the box joins; nspawn's systemd payload needs name=systemd and the unified tree. */
export const BOX_HIERARCHIES = ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'systemd', 'unified'] as const;
export type Hierarchy = (typeof BOX_HIERARCHIES)[number];

export const groupName = (id: string) => `kiln-${id}`;
export const groupPath = (h: Hierarchy, id: string) => join(CGROUP_ROOT, h, groupName(id));

export interface BoxLimits {
  memoryBytes: number;
  cpuPeriodUs: number;
  cpuQuotaUs: number;
  /** e.g. "1" or "0-1"; absent = all of the parent's CPUs. */
  cpus?: string;
}

/** CPU quota for a tier: all its vCPUs, or only the burstable baseline share of them. */
export function limitsFor(ramMiB: number, vcpus: number, baselineShare?: number, cpus?: string): BoxLimits {
  const cpuPeriodUs = 100_000;
  const share = baselineShare ?? 1;
  return { memoryBytes: ramMiB * 2 ** 20, cpuPeriodUs, cpuQuotaUs: Math.max(1000, Math.round(vcpus * share * cpuPeriodUs)), cpus };
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );
const put = (dir: string, file: string, value: string | number) => writeFile(join(dir, file), String(value));

export async function createGroups(id: string, limits: BoxLimits): Promise<Record<Hierarchy, string>> {
  const paths = {} as Record<Hierarchy, string>;
  for (const h of BOX_HIERARCHIES) {
    paths[h] = groupPath(h, id);
    await mkdir(paths[h]);
  }
  const cpuset = paths.cpuset;
  // A fresh v1 cpuset is empty and refuses tasks until cpus and mems are set.
  await put(cpuset, 'cpuset.cpus', limits.cpus ?? (await readFile(join(CGROUP_ROOT, 'cpuset/cpuset.cpus'), 'utf8')).trim());
  await put(cpuset, 'cpuset.mems', (await readFile(join(CGROUP_ROOT, 'cpuset/cpuset.mems'), 'utf8')).trim());
  await put(paths.memory, 'memory.limit_in_bytes', limits.memoryBytes);
  // memsw = limit means no swap beyond the tier's RAM (t3 instances have no swap either).
  if (await exists(join(paths.memory, 'memory.memsw.limit_in_bytes')))
    await put(paths.memory, 'memory.memsw.limit_in_bytes', limits.memoryBytes);
  await put(paths.cpu, 'cpu.cfs_period_us', limits.cpuPeriodUs);
  await put(paths.cpu, 'cpu.cfs_quota_us', limits.cpuQuotaUs);
  return paths;
}

/** Changes the box's CPU quota while it runs (e.g. a T instance whose credits are spent). */
export async function setCpuQuota(id: string, quotaUs: number): Promise<void> {
  await put(groupPath('cpu', id), 'cpu.cfs_quota_us', quotaUs);
}

/** All group dirs of `id` in one hierarchy, deepest first (nspawn adds payload/ and supervisor/). */
async function subtree(dir: string): Promise<string[]> {
  if (!(await exists(dir))) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await subtree(join(dir, e.name))));
  }
  out.push(dir);
  return out;
}

/** PIDs of every process in the box's groups, any hierarchy, any depth. */
export async function groupPids(id: string): Promise<number[]> {
  const pids = new Set<number>();
  for (const h of BOX_HIERARCHIES) {
    for (const d of await subtree(groupPath(h, id))) {
      const text = await readFile(join(d, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const p of text.split('\n').filter(Boolean)) pids.add(Number(p));
    }
  }
  return [...pids];
}

/** Removes the groups bottom-up; returns dirs that could not be removed (still busy). */
export async function removeGroups(id: string): Promise<string[]> {
  const left: string[] = [];
  for (const h of BOX_HIERARCHIES) {
    for (const d of await subtree(groupPath(h, id))) {
      await rmdir(d).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : left.push(`${d}: ${e.code}`)));
    }
  }
  return left;
}

/** Launch ids that have a `kiln-<id>` group in any hierarchy. */
export async function listKilnGroups(): Promise<string[]> {
  const ids = new Set<string>();
  for (const h of BOX_HIERARCHIES) {
    for (const n of await readdir(join(CGROUP_ROOT, h)).catch(() => [] as string[])) {
      if (n.startsWith('kiln-') && (await stat(join(CGROUP_ROOT, h, n))).isDirectory()) ids.add(n.slice(5));
    }
  }
  return [...ids];
}

export interface MemoryStats {
  usageBytes: number;
  maxUsageBytes: number;
  limitBytes: number;
  failcnt: number;
  oomKills: number;
  underOom: boolean;
  /** Memory the kernel cannot reclaim without swap: anonymous pages plus shared memory (Postgres's buffers). */
  unreclaimableBytes: number;
}

export async function memoryStats(id: string): Promise<MemoryStats> {
  const dir = groupPath('memory', id);
  const num = async (f: string) => Number((await readFile(join(dir, f), 'utf8')).trim());
  // memory.oom_control and memory.stat are both "key value" lines.
  const fields = async (f: string) => {
    const text = await readFile(join(dir, f), 'utf8');
    return (k: string) => Number(new RegExp(`^${k} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  };
  const field = await fields('memory.oom_control');
  const statField = await fields('memory.stat');
  return {
    usageBytes: await num('memory.usage_in_bytes'),
    maxUsageBytes: await num('memory.max_usage_in_bytes'),
    limitBytes: await num('memory.limit_in_bytes'),
    failcnt: await num('memory.failcnt'),
    oomKills: field('oom_kill'),
    underOom: field('under_oom') === 1,
    unreclaimableBytes: statField('total_rss') + statField('total_shmem'),
  };
}
