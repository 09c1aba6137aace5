/** Samples memory during a load run: host-side cgroup polling plus ONE long-lived SSH exec streaming the box's view. */
import type { Remote } from '../checks/types.ts';
import { type CgroupSample, readCgroupMemory } from './cgroup.ts';
import { memoryLoopScript, RemoteSampleParser } from './remote.ts';
import type { MemorySeries } from './summary.ts';

export interface SamplerOptions {
  durationSec: number;
  intervalSec?: number;
  /** The box's cgroup v1 memory dir on this host (local target); absent for a remote EC2 box. */
  cgroupPath?: string;
}

export interface SamplerRun {
  /** Resolves when the duration is over (or the exec ends early); errors are recorded, never thrown. */
  done: Promise<MemorySeries & { errors: string[] }>;
}

export function startMemorySampler(remote: Remote, opts: SamplerOptions): SamplerRun {
  const intervalSec = opts.intervalSec ?? 1;
  const parser = new RemoteSampleParser();
  const errors: string[] = [];
  const cgroup: CgroupSample[] = [];
  const started = Date.now();
  const remoteDone = remote
    .exec(memoryLoopScript(opts.durationSec, intervalSec), {
      timeoutSec: opts.durationSec + 30,
      asRoot: true,
      onLine: (l) => parser.push(l),
    })
    .then((r) => {
      if (r.exitCode !== 0)
        errors.push(`remote sampler ended with exit ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.trim().slice(0, 200)}`);
    });
  const cgroupDone = opts.cgroupPath
    ? pollCgroup(opts.cgroupPath, opts.durationSec, intervalSec, started, cgroup, errors)
    : Promise.resolve();
  return {
    done: Promise.all([remoteDone, cgroupDone]).then(() => ({
      durationSec: (Date.now() - started) / 1000,
      remote: parser.samples,
      cgroup,
      errors,
    })),
  };
}

async function pollCgroup(
  path: string,
  durationSec: number,
  intervalSec: number,
  started: number,
  out: CgroupSample[],
  errors: string[],
): Promise<void> {
  const end = started + durationSec * 1000;
  for (let next = started; next <= end; next += intervalSec * 1000) {
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    try {
      out.push(await readCgroupMemory(path, Date.now() - started));
    } catch (err) {
      errors.push(`cgroup ${path}: ${(err as Error).message}`);
      return;
    }
  }
}
