import { describe, expect, it } from 'vitest';
import type { CapacityRun } from './capacity.ts';
import { cells, spread, verdicts } from './summary.ts';

const run = (variant: string, capacityRps: number, p99Ms = 100, memoryPeakPct = 50, oomKills = 0): CapacityRun => ({
  tier: 'nano', variant, round: 1, capacityRps, firstBadRps: capacityRps * 1.1, limitedBy: 'slo',
  atCapacity: { p95Ms: p99Ms / 2, p99Ms, errorRate: 0, achievedRps: capacityRps }, memoryPeakMiB: memoryPeakPct * 5.12,
  memoryPeakPct, oomKills, boxCpuMsPerRequest: 2, stepErrors: [], cpuByProcessSec: {}, firstBadWhy: [], steps: [], elapsedSec: 1,
});
const slo = () => ({ p99Ms: 500, memoryCeilingPct: 85 });

describe('bench summary', () => {
  it('medians with spread, even and odd counts', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spread([4, 1, 2, 3]).median).toBe(2.5);
    expect(spread([]).n).toBe(0);
  });

  it('ratios against the seed and the best other config decide the targets', () => {
    const c = cells([run('kiln', 200), run('kiln', 220), run('kiln', 210), run('seed', 100), run('stock', 50), run('rules', 180)]);
    const [v] = verdicts(c, slo);
    expect(v.kilnVsSeed).toBe(2.1);
    expect(v.bestOther).toBe('rules');
    expect(v.kilnVsBestOther).toBe(1.17);
    expect(v.targets.map((t) => [t.name, t.met])).toEqual([
      ['capacity >= 1.6x seed', true], ['capacity >= 1.2x best other', false], ['p99 within SLO at capacity', true],
      ['zero OOM kills', true], ['memory peak <= 85% RAM', true],
    ]);
  });

  it('a ratio over another config whose figure is a floor is not proven; a floor on kiln only understates it', () => {
    const floor = (r: CapacityRun): CapacityRun => ({ ...r, limitedBy: 'generator' });
    const [v] = verdicts(cells([floor(run('kiln', 300)), run('seed', 100), floor(run('rules', 200))]), slo);
    expect(v.kilnVsBestOther).toBe(1.5);
    expect(v.targets.find((t) => t.name === 'capacity >= 1.2x best other')).toMatchObject({ met: false, detail: expect.stringMatching(/rules's figure is a floor in 1 round\(s\): inconclusive/) });
    expect(v.targets.find((t) => t.name === 'capacity >= 1.6x seed')?.met).toBe(true);
  });

  it('one OOM kill or one peak over the ceiling in any round fails the target', () => {
    const [v] = verdicts(cells([run('kiln', 200, 100, 50, 1), run('kiln', 200, 100, 90), run('seed', 10)]), slo);
    expect(v.targets.filter((t) => !t.met).map((t) => t.name)).toEqual(['zero OOM kills', 'memory peak <= 85% RAM']);
  });
});
