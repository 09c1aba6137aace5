import { describe, expect, it } from 'vitest';
import { MIN_GROWTH_MIB, MIN_THREAD_MIB, parseSnapshot, profileFromSnapshots, type GunicornSnapshot } from './profile.ts';

const snap = (masterRssKiB: number, workers: [number, number][]): GunicornSnapshot => ({
  master: { pid: 1, rssKiB: masterRssKiB, privateKiB: 4096, threads: 1 },
  workers: workers.map(([pid, privateKiB]) => ({ pid, rssKiB: privateKiB + 30_000, privateKiB, threads: 17 })),
});

describe('app memory profile', () => {
  it('parses the box snapshot: master first, then its workers', () => {
    const s = parseSnapshot('100 61440 8192 1\n101 92160 40960 17\n102 90112 38912 17\n');
    expect(s.master).toEqual({ pid: 100, rssKiB: 61440, privateKiB: 8192, threads: 1 });
    expect(s.workers.map((w) => w.pid)).toEqual([101, 102]);
    expect(() => parseSnapshot('100 61440 8192 1\n')).toThrow(/at least one worker/);
    expect(() => parseSnapshot('')).toThrow();
  });

  it("charges the heaviest warm worker, the busy threads' share, the growth seen and the master's resident set", () => {
    const warm = snap(50 * 1024, [
      [11, 80 * 1024],
      [12, 90 * 1024],
    ]);
    const busy = snap(50 * 1024, [
      [11, 95 * 1024],
      [12, 105 * 1024],
    ]);
    const after = snap(51 * 1024, [
      [11, 86 * 1024],
      [12, 112 * 1024],
    ]);
    const p = profileFromSnapshots(warm, busy, after, 16);
    expect(p.workerPrivateMiB).toBe(90);
    expect(p.threadMiB).toBe(1); // (15 + 15) / 2 / 15 threads
    expect(p.workerGrowthMiB).toBe(22); // worker 12 grew 22 MiB
    expect(p.masterMiB).toBe(51);
    expect(p.evidence).toMatch(/80\.0\/90\.0 MiB after warm-up/);
  });

  it('never charges less than the floors, and ignores workers replaced between snapshots', () => {
    const warm = snap(40 * 1024, [[11, 30 * 1024]]);
    const busy = snap(40 * 1024, [[13, 200 * 1024]]);
    const after = snap(40 * 1024, [[14, 300 * 1024]]);
    const p = profileFromSnapshots(warm, busy, after, 16);
    expect(p.threadMiB).toBe(MIN_THREAD_MIB);
    expect(p.workerGrowthMiB).toBe(MIN_GROWTH_MIB);
    expect(p.workerPrivateMiB).toBe(30);
  });
});
