import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { SshSession } from '../ssh.ts';
import { startSshd, type LocalSshd } from '../testing/sshd.ts';
import { readCgroupMemory } from './cgroup.ts';
import { startMemorySampler } from './sampler.ts';
import { median, slope, summarizeSeries } from './stats.ts';
import { summarizeMemory } from './summary.ts';
import { judgeThresholds } from '../thresholds.ts';
import { BUILTIN_TIERS } from '../../images/tiers.ts';

const CG_ROOT = '/sys/fs/cgroup/memory';
const cgroupUsable = existsSync(`${CG_ROOT}/cgroup.procs`);

/** A cgroup of our own, removed after its processes are gone. */
function makeCgroup(name: string, limitMiB: number): string {
  const path = `${CG_ROOT}/${name}-${process.pid}`;
  mkdirSync(path);
  writeFileSync(`${path}/memory.limit_in_bytes`, String(limitMiB * 1024 * 1024));
  return path;
}

/** Runs python inside the cgroup: the shell joins it first, then execs, so every byte is charged there. */
function runIn(cgroup: string, comm: string, code: string): ChildProcess {
  return spawn(
    'sh',
    ['-c', `echo $$ > ${cgroup}/cgroup.procs && exec python3 -c "$0"`, `open('/proc/self/comm','w').write('${comm}')\n${code}`],
    { stdio: 'ignore' },
  );
}
/** Waits until the child has renamed itself, i.e. python is running the payload. */
async function started(pid: number, comm: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${comm} did not start`);
}
const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode ? r() : c.once('exit', () => r())));

describe('memory statistics (pure)', () => {
  it('median, slope and series summaries', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
    expect(slope([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2);
    const t = Array.from({ length: 20 }, (_, i) => i);
    const warmThenFlat = t.map((i) => (i < 10 ? i * 10 : 100));
    const s = summarizeSeries(t, warmThenFlat);
    expect(s).toMatchObject({ samples: 20, peak: 100, steady: 100 });
    expect(s.slopePerMin).toBeCloseTo(0);
    const leak = summarizeSeries(
      t,
      t.map((i) => 50 + i * 0.5),
    );
    expect(leak.slopePerMin).toBeCloseTo(30);
    expect(leak.quarterSlopesPerMin![0]).toBeCloseTo(30);
    expect(leak.quarterSlopesPerMin![1]).toBeCloseTo(30);
    // One step inside the last half: the quarter after it is flat.
    const step = summarizeSeries(
      t,
      t.map((i) => (i < 12 ? 100 : 112)),
    );
    expect(step.slopePerMin).toBeGreaterThan(30);
    expect(step.quarterSlopesPerMin![1]).toBeCloseTo(0);
    expect(summarizeSeries([], []).samples).toBe(0);
  });
});

describe.runIf(cgroupUsable)('memory sampling on this machine', () => {
  let sshd: LocalSshd;
  let s: SshSession;
  const groups: string[] = [];
  beforeAll(async () => {
    sshd = await startSshd();
    s = await SshSession.connect(sshd.host);
  });
  afterAll(async () => {
    s?.close();
    await sshd?.stop();
    for (const g of groups) if (existsSync(g)) rmdirSync(g);
  });

  it('reads cgroup v1 counters and sees an OOM kill inside the group', async () => {
    const cg = makeCgroup('kiln-oomtest', 32);
    groups.push(cg);
    const before = await readCgroupMemory(cg);
    expect(before.oomKills).toBe(0);
    const hog = runIn(cg, 'kilnhog', 'b = bytearray(128 * 1024 * 1024)');
    await exited(hog);
    expect(hog.signalCode).toBe('SIGKILL');
    const after = await readCgroupMemory(cg);
    expect(after.oomKills).toBeGreaterThanOrEqual(1);
    expect(after.failcnt).toBeGreaterThan(0);
    expect(after.maxUsageBytes).toBeGreaterThan(16 * 1024 * 1024);
    expect(after.limitBytes).toBe(32 * 1024 * 1024);
  });

  it('samples a growing process over one ssh exec and the cgroup, and finds the leak', async () => {
    const cg = makeCgroup('kiln-leaktest', 256);
    groups.push(cg);
    const leak = runIn(
      cg,
      'kilnleak',
      [
        'import time',
        'keep = []',
        // grows 1 MiB (touched) every 0.1 s up to 150 MiB, then holds until killed: never exits mid-sample
        'while True:',
        '    if len(keep) < 150: keep.append(bytearray(b"x" * (1024 * 1024)))',
        '    time.sleep(0.1)',
      ].join('\n'),
    );
    try {
      await started(leak.pid!, 'kilnleak');
      const run = startMemorySampler(s, { durationSec: 5, intervalSec: 0.5, cgroupPath: cg });
      const series = await run.done;
      expect(series.errors).toEqual([]);
      expect(series.remote.length).toBeGreaterThanOrEqual(5);
      expect(series.cgroup.length).toBeGreaterThanOrEqual(5);
      const m = summarizeMemory(series, ['kilnleak']);
      expect(m.services.kilnleak.pss.peak).toBeGreaterThan(20);
      expect(m.services.kilnleak.pss.slopePerMin).toBeGreaterThan(60);
      expect(m.box.source).toBe('cgroup');
      expect(m.box.slopePerMin).toBeGreaterThan(60);
      expect(m.totalMiB).toBe(256);
      expect(m.oomKills).toBe(0);
      expect(m.swapPeakMiB).toBe(0);
      expect(readFileSync('/proc/meminfo', 'utf8')).toContain('MemAvailable');
      // The same real leak, judged: the gate fails it on the box slope and on the leaking group's PSS.
      const failed = judgeThresholds({ slo: BUILTIN_TIERS[0].slo, ramMiB: 256, load: null, memory: m })
        .filter((t) => t.status === 'fail')
        .map((t) => t.id);
      expect(failed).toEqual(expect.arrayContaining(['memory:leak', 'memory:leak:kilnleak']));
    } finally {
      leak.kill('SIGKILL');
      await exited(leak);
    }
  });
});
