import { describe, expect, it } from 'vitest';
import type { CapacityRun } from './capacity.ts';
import { markdown, type BenchResult } from './report.ts';
import { cells, releaseVerdicts, verdicts } from './summary.ts';

const run = (variant: string, capacityRps: number, oomKills = 0): CapacityRun => ({
  tier: 'nano',
  variant,
  round: 1,
  capacityRps,
  firstBadRps: capacityRps + 10,
  limitedBy: capacityRps ? 'slo' : 'none-good',
  atCapacity: capacityRps ? { p95Ms: 50, p99Ms: 100, errorRate: 0, achievedRps: capacityRps } : null,
  memoryPeakMiB: 200,
  memoryPeakPct: 40,
  oomKills,
  boxCpuMsPerRequest: 2,
  stepErrors: [],
  cpuByProcessSec: {},
  firstBadWhy: [],
  steps: [],
  elapsedSec: 1,
});
const RUNS = [run('kiln', 200), run('seed', 300, 1), run('stock', 0), run('rules', 100)];
const result = (release: BenchResult['release']): BenchResult => {
  const all = cells(RUNS);
  return {
    schemaVersion: 1,
    kilnVersion: '1.4.2',
    startedAt: '',
    finishedAt: '',
    mode: 'pinned',
    loadavg: { start: '0', end: '0' },
    tiers: ['nano'],
    repeat: 1,
    release,
    variants: [],
    boxes: [],
    runs: RUNS,
    cells: all,
    survival: [],
    errors: [],
    verdicts: release
      ? releaseVerdicts(all, ['nano'], ['kiln', 'seed', 'stock', 'rules'])
      : verdicts(all, () => ({ p99Ms: 500, memoryCeilingPct: 85 })),
  };
};

describe('bench report', () => {
  it('with a recipe: names the release, kiln vs the best survivor, and which configs were OOM-killed or missed the SLO', () => {
    const md = markdown(result({ app: 'mysite', images: [{ tier: 'nano', ref: 'img-abc', channel: 'nano.mysite' }] }));
    expect(md).toMatch(/^App mysite: nano img-abc \(channel nano\.mysite\)\./m);
    expect(md).toMatch(
      /^\| nano \| 2× \(rules\) \| seed \| stock \| none \| ✔ capacity >= 1\.3x best survivor: 2x \(rules\); ✔ zero OOM kills: 0 \|$/m,
    );
    expect(md).not.toMatch(/kiln \/ seed/);
  });

  it('without a recipe: the canary targets, as before', () => {
    const md = markdown(result(null));
    expect(md).toMatch(/^kiln 1\.4\.2\. Mode: pinned\./);
    expect(md).toMatch(/^\| tier \| kiln \/ seed \| kiln \/ best other \| targets met \|$/m);
    expect(md).toMatch(/✘ capacity >= 1\.6x seed: 0\.67x/);
    expect(md).not.toMatch(/best survivor/);
  });
});
