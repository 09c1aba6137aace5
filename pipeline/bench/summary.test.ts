import { describe, expect, it } from 'vitest';
import type { CapacityRun } from './capacity.ts';
import { cells, releaseVerdicts, spread, verdicts } from './summary.ts';

const run = (variant: string, capacityRps: number, p99Ms = 100, memoryPeakPct = 50, oomKills = 0): CapacityRun => ({
  tier: 'nano',
  variant,
  round: 1,
  capacityRps,
  firstBadRps: capacityRps * 1.1,
  limitedBy: 'slo',
  atCapacity: { p95Ms: p99Ms / 2, p99Ms, errorRate: 0, achievedRps: capacityRps },
  memoryPeakMiB: memoryPeakPct * 5.12,
  memoryPeakPct,
  oomKills,
  boxCpuMsPerRequest: 2,
  stepErrors: [],
  cpuByProcessSec: {},
  firstBadWhy: [],
  steps: [],
  elapsedSec: 1,
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
      ['capacity >= 1.6x seed', true],
      ['capacity >= 1.2x best other', false],
      ['p99 within SLO at capacity', true],
      ['zero OOM kills', true],
      ['memory peak <= 85% RAM', true],
    ]);
  });

  it('a ratio over another config whose figure is a floor is not proven; a floor on kiln only understates it', () => {
    const floor = (r: CapacityRun): CapacityRun => ({ ...r, limitedBy: 'generator' });
    const [v] = verdicts(cells([floor(run('kiln', 300)), run('seed', 100), floor(run('rules', 200))]), slo);
    expect(v.kilnVsBestOther).toBe(1.5);
    expect(v.targets.find((t) => t.name === 'capacity >= 1.2x best other')).toMatchObject({
      met: false,
      detail: expect.stringMatching(/rules's figure is a floor in 1 round\(s\): inconclusive/),
    });
    expect(v.targets.find((t) => t.name === 'capacity >= 1.6x seed')?.met).toBe(true);
  });

  it('one OOM kill or one peak over the ceiling in any round fails the target', () => {
    const [v] = verdicts(cells([run('kiln', 200, 100, 50, 1), run('kiln', 200, 100, 90), run('seed', 10)]), slo);
    expect(v.targets.filter((t) => !t.met).map((t) => t.name)).toEqual(['zero OOM kills', 'memory peak <= 85% RAM']);
  });

  describe('with a recipe: kiln vs the best survivor', () => {
    const VARIANTS = ['kiln', 'seed', 'stock', 'rules'];
    const target = (v: ReturnType<typeof releaseVerdicts>[number], name: string) => v.targets.find((t) => t.name.startsWith(name))!;

    it('passes over OOM-killed and SLO-missing configs to the best survivor, and names them', () => {
      // seed has the highest figure but an OOM kill; stock held the SLO at no rate; rules survived with one good round of two.
      const runs = [
        run('kiln', 200),
        run('kiln', 210),
        run('seed', 400),
        run('seed', 380, 100, 50, 1),
        run('stock', 0),
        run('stock', 0),
        run('rules', 0),
        run('rules', 150),
      ];
      const [v] = releaseVerdicts(cells(runs), ['nano'], VARIANTS);
      expect(v.survivors).toEqual({ best: 'rules', kilnVsBest: 2.73, oomKilled: ['seed'], missedSlo: ['stock'], notRun: [] });
      expect(v.targets.map((t) => [t.name, t.met, t.detail])).toEqual([
        ['capacity >= 1.3x best survivor', true, '2.73x (rules)'],
        ['zero OOM kills', true, '0'],
      ]);
      // The canary's "best other" would have been the OOM-killed seed.
      expect(v.bestOther).toBe('seed');
    });

    it('misses the goal under 1.3x, and when kiln itself is OOM-killed', () => {
      const [close] = releaseVerdicts(cells([run('kiln', 250), run('seed', 200), run('stock', 10)]), ['nano'], VARIANTS);
      expect(target(close, 'capacity')).toMatchObject({ met: false, detail: '1.25x (seed)' });
      expect(close.survivors?.notRun).toEqual(['rules']);
      const [killed] = releaseVerdicts(cells([run('kiln', 300, 100, 50, 2), run('seed', 100)]), ['nano'], VARIANTS);
      expect(killed.targets.map((t) => [t.met, t.detail])).toEqual([
        [false, 'kiln did not survive (2 OOM kill(s))'],
        [false, '2'],
      ]);
      expect(killed.survivors?.oomKilled).toEqual(['kiln']);
    });

    it('kiln meets the goal alone when no other config survived; a floor on the best survivor is inconclusive', () => {
      const [alone] = releaseVerdicts(
        cells([run('kiln', 80), run('seed', 0), run('stock', 90, 100, 50, 1), run('rules', 0)]),
        ['nano'],
        VARIANTS,
      );
      expect(alone.survivors).toMatchObject({ best: null, kilnVsBest: null, oomKilled: ['stock'], missedSlo: ['seed', 'rules'] });
      expect(target(alone, 'capacity')).toMatchObject({ met: true, detail: 'no other config survived' });
      const [floor] = releaseVerdicts(cells([run('kiln', 300), { ...run('rules', 100), limitedBy: 'generator' }]), ['nano'], VARIANTS);
      expect(target(floor, 'capacity')).toMatchObject({
        met: false,
        detail: expect.stringMatching(/^3x \(rules\); rules's figure is a floor/),
      });
    });

    it('a tier where kiln held the SLO at no rate, or where nothing ran, fails', () => {
      const [none] = releaseVerdicts(cells([run('kiln', 0), run('seed', 50)]), ['nano'], VARIANTS);
      expect(target(none, 'capacity')).toMatchObject({ met: false, detail: 'kiln did not survive (held the SLO at no rate)' });
      const [, empty] = releaseVerdicts(cells([run('kiln', 10)]), ['nano', 'micro'], VARIANTS);
      expect(empty).toMatchObject({ tier: 'micro', survivors: { notRun: VARIANTS } });
      expect(empty.targets.every((t) => !t.met)).toBe(true);
    });
  });
});
