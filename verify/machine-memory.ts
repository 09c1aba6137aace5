/** A whole machine's (VM's) own memory figures from /proc/meminfo, and its MemTotal held against the tier's RAM. */
import { readFileSync } from 'node:fs';
import { DEFAULT_TIMEOUT_SEC, execError, fail, pass, type CheckResult, type Remote } from './checks/types.ts';

export interface MachineMemory {
  memTotalMiB: number;
  memAvailableMiB: number;
  slabMiB: number;
  pageTablesMiB: number;
  kernelStackMiB: number;
}

const FIELDS = {
  MemTotal: 'memTotalMiB',
  MemAvailable: 'memAvailableMiB',
  Slab: 'slabMiB',
  PageTables: 'pageTablesMiB',
  KernelStack: 'kernelStackMiB',
} as const;

/** Below this share of the tier's RAM the machine is not the tier's size (the kernel keeps ~8 % on 512 MiB). */
export const MIN_MEMTOTAL_SHARE = 0.8;

/** Pure: the five fields in MiB (meminfo says kB, meaning KiB); throws when one is missing. */
export function parseMeminfo(text: string): MachineMemory {
  const out: Partial<Record<(typeof FIELDS)[keyof typeof FIELDS], number>> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+) kB$/.exec(line.trim());
    const key = m && Object.hasOwn(FIELDS, m[1]!) ? FIELDS[m[1] as keyof typeof FIELDS] : undefined;
    if (key) out[key] = Math.round((Number(m![2]) / 1024) * 10) / 10;
  }
  const missing = Object.entries(FIELDS)
    .filter(([, k]) => out[k] === undefined)
    .map(([f]) => f);
  if (missing.length) throw new Error(`/proc/meminfo lacks ${missing.join(', ')}`);
  return out as MachineMemory;
}

/** Pure: MemTotal must be the tier's RAM less what the kernel keeps; more means the machine is bigger than the tier. */
export function memTotalCheck(m: MachineMemory, ramMiB: number): CheckResult {
  const kept = Math.round((ramMiB - m.memTotalMiB) * 10) / 10;
  const detail =
    `MemTotal ${m.memTotalMiB} MiB of the tier's ${ramMiB} MiB (the kernel keeps ${kept} MiB); MemAvailable ${m.memAvailableMiB}, `
    + `Slab ${m.slabMiB}, PageTables ${m.pageTablesMiB}, KernelStack ${m.kernelStackMiB} MiB`;
  if (m.memTotalMiB > ramMiB) return fail('machine:memtotal', `${detail}: more than the tier has`, m);
  if (m.memTotalMiB < ramMiB * MIN_MEMTOTAL_SHARE)
    return fail('machine:memtotal', `${detail}: below ${MIN_MEMTOTAL_SHARE * 100} % of the tier's RAM`, m);
  return pass('machine:memtotal', detail, m);
}

/** Reads the machine's meminfo over the session; a failed read is an error result, never a pass. */
export async function machineMemoryCheck(remote: Remote, ramMiB: number): Promise<CheckResult> {
  const r = await remote.exec('cat /proc/meminfo', { timeoutSec: DEFAULT_TIMEOUT_SEC });
  if (r.exitCode !== 0) return execError('machine:memtotal', r);
  return memTotalCheck(parseMeminfo(r.stdout), ramMiB);
}

/** snapshot.py's document: meminfo in MiB, and anonymous + shared-memory PSS per process group. */
export interface MemorySnapshot {
  meminfo: Record<string, number>;
  groups: Record<string, { anonMiB: number; shmemMiB: number; processes: number }>;
  /** cgroup v2's charge per systemd service (absent or empty on v1, e.g. inside a container). */
  units?: Record<string, { anonMiB: number; shmemMiB: number; kernelMiB: number }>;
}

/** The snapshot program: its functions, then one print. */
export const SNAPSHOT_PY = readFileSync(new URL('./memory/snapshot.py', import.meta.url), 'utf8');
export const snapshotProgram = (): string => `${SNAPSHOT_PY}\nprint(json.dumps(snapshot()))\n`;

/** The machine's memory split three ways: what the kernel and the OS take, what the stack's services hold, what is free. */
export interface MachineShare {
  ramMiB: number;
  memTotalMiB: number;
  memAvailableMiB: number;
  /** RAM the kernel never hands out (tier RAM less MemTotal): firmware, the kernel image, memmap, crash reserve. */
  kernelKeptMiB: number;
  /** Kernel memory in use that nothing can reclaim: unreclaimable slab, page tables, kernel stacks. */
  kernelUsedMiB: number;
  /** What the stack's units hold: cgroup v2's charge (anonymous, shared, kernel memory) when the machine has it, else PSS. */
  stackMiB: number;
  stackSource: 'cgroup' | 'pss';
  /** The same for every other process: systemd, journald, sshd, getty, dbus… */
  osUserlandMiB: number;
  /** Tier RAM less MemAvailable less the stack: everything the budget's OS reserve must cover. */
  osShareMiB: number;
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** Pure: the split from one snapshot; throws when meminfo lacks what it needs (a reading that cannot judge). */
export function machineShare(s: MemorySnapshot, ramMiB: number, stackUnits: readonly string[]): MachineShare {
  const m = s.meminfo;
  for (const k of ['MemTotal', 'MemAvailable', 'SUnreclaim', 'PageTables', 'KernelStack']) {
    if (typeof m[k] !== 'number') throw new Error(`/proc/meminfo lacks ${k}`);
  }
  let stack = 0;
  let other = 0;
  for (const [group, g] of Object.entries(s.groups)) {
    if (stackUnits.includes(group)) stack += g.anonMiB + g.shmemMiB;
    else other += g.anonMiB + g.shmemMiB;
  }
  const charged = Object.entries(s.units ?? {}).filter(([u]) => stackUnits.includes(u));
  const stackSource = charged.length ? 'cgroup' : 'pss';
  if (charged.length) stack = charged.reduce((a, [, u]) => a + u.anonMiB + u.shmemMiB + u.kernelMiB, 0);
  return {
    ramMiB,
    memTotalMiB: m.MemTotal!,
    memAvailableMiB: m.MemAvailable!,
    kernelKeptMiB: r1(ramMiB - m.MemTotal!),
    kernelUsedMiB: r1(m.SUnreclaim! + m.PageTables! + m.KernelStack!),
    stackMiB: r1(stack),
    stackSource,
    osUserlandMiB: r1(other),
    osShareMiB: r1(ramMiB - m.MemAvailable! - stack),
  };
}

/** Pure: the OS share at idle must fit what the budget reserved for it; more means the stack's worst case does not fit. */
export function osShareCheck(s: MachineShare, reservedMiB: number): CheckResult {
  const detail =
    `OS share ${s.osShareMiB} MiB of the tier's ${s.ramMiB} MiB (kernel keeps ${s.kernelKeptMiB}, kernel in use ${s.kernelUsedMiB}, `
    + `OS processes ${s.osUserlandMiB}; the stack holds ${s.stackMiB} by ${s.stackSource}, MemAvailable ${s.memAvailableMiB}); the budget reserved ${reservedMiB} MiB`;
  return s.osShareMiB > reservedMiB
    ? fail('machine:os-share', `${detail}: over by ${r1(s.osShareMiB - reservedMiB)} MiB`, s)
    : pass('machine:os-share', detail, s);
}

/** Reads the snapshot over the session (as root: every process's smaps); a failed read is an error, never a pass. */
export async function osShareReading(
  remote: Remote,
  ramMiB: number,
  stackUnits: readonly string[],
  reservedMiB: number,
): Promise<CheckResult> {
  const r = await remote.exec('python3 -', { timeoutSec: 60, asRoot: true, stdin: snapshotProgram() });
  if (r.exitCode !== 0) return execError('machine:os-share', r);
  return osShareCheck(machineShare(JSON.parse(r.stdout) as MemorySnapshot, ramMiB, stackUnits), reservedMiB);
}
