/** A whole machine's (VM's) own memory figures from /proc/meminfo, and its MemTotal held against the tier's RAM. */
import { DEFAULT_TIMEOUT_SEC, execError, fail, pass, type CheckResult, type Remote } from './checks/types.ts';

export interface MachineMemory {
  memTotalMiB: number;
  memAvailableMiB: number;
  slabMiB: number;
  pageTablesMiB: number;
  kernelStackMiB: number;
}

const FIELDS = { MemTotal: 'memTotalMiB', MemAvailable: 'memAvailableMiB', Slab: 'slabMiB', PageTables: 'pageTablesMiB', KernelStack: 'kernelStackMiB' } as const;

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
  const missing = Object.entries(FIELDS).filter(([, k]) => out[k] === undefined).map(([f]) => f);
  if (missing.length) throw new Error(`/proc/meminfo lacks ${missing.join(', ')}`);
  return out as MachineMemory;
}

/** Pure: MemTotal must be the tier's RAM less what the kernel keeps; more means the machine is bigger than the tier. */
export function memTotalCheck(m: MachineMemory, ramMiB: number): CheckResult {
  const kept = Math.round((ramMiB - m.memTotalMiB) * 10) / 10;
  const detail = `MemTotal ${m.memTotalMiB} MiB of the tier's ${ramMiB} MiB (the kernel keeps ${kept} MiB); MemAvailable ${m.memAvailableMiB}, `
    + `Slab ${m.slabMiB}, PageTables ${m.pageTablesMiB}, KernelStack ${m.kernelStackMiB} MiB`;
  if (m.memTotalMiB > ramMiB) return fail('machine:memtotal', `${detail}: more than the tier has`, m);
  if (m.memTotalMiB < ramMiB * MIN_MEMTOTAL_SHARE) return fail('machine:memtotal', `${detail}: below ${MIN_MEMTOTAL_SHARE * 100} % of the tier's RAM`, m);
  return pass('machine:memtotal', detail, m);
}

/** Reads the machine's meminfo over the session; a failed read is an error result, never a pass. */
export async function machineMemoryCheck(remote: Remote, ramMiB: number): Promise<CheckResult> {
  const r = await remote.exec('cat /proc/meminfo', { timeoutSec: DEFAULT_TIMEOUT_SEC });
  if (r.exitCode !== 0) return execError('machine:memtotal', r);
  return memTotalCheck(parseMeminfo(r.stdout), ramMiB);
}
