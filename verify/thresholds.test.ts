import { describe, expect, it } from 'vitest';
import { BUILTIN_TIERS } from '../images/tiers.ts';
import { judgeThresholds } from './thresholds.ts';
import { latencies, loadResult, memorySummary } from './testing/fixtures.ts';

const nano = BUILTIN_TIERS.find((t) => t.name === 'nano')!;
const good = () => ({
  slo: nano.slo, ramMiB: nano.ramMiB,
  load: loadResult({ rps: 150, durationSec: 30, lat: latencies(4500, 20) }),
  memory: memorySummary({ seconds: 30, baseMiB: 200 }),
});
const failed = (r: ReturnType<typeof judgeThresholds>) => r.filter((t) => t.status === 'fail').map((t) => t.id);

describe('thresholds', () => {
  it('a good run passes every threshold', () => {
    const r = judgeThresholds(good());
    expect(failed(r)).toEqual([]);
    expect(r.map((t) => t.id)).toEqual(expect.arrayContaining(['slo:p95', 'slo:p99', 'slo:error-rate', 'memory:peak', 'memory:oom-kills', 'memory:swap', 'memory:leak']));
  });

  it('slow, erroring and under-rate runs fail on the right thresholds', () => {
    expect(failed(judgeThresholds({ ...good(), load: loadResult({ rps: 150, durationSec: 30, lat: latencies(4500, 180) }) }))).toEqual(['slo:p95', 'slo:p99']);
    expect(failed(judgeThresholds({ ...good(), load: loadResult({ rps: 150, durationSec: 30, lat: latencies(4500, 20), errors: 50 }) }))).toEqual(['slo:error-rate']);
    expect(failed(judgeThresholds({ ...good(), load: loadResult({ rps: 100, durationSec: 30, lat: latencies(3000, 20) }) }))).toEqual(['load:target-rps', 'load:achieved-rps']);
  });

  it('fails closed: no load run, an invalid run, zero responses, no memory samples', () => {
    expect(failed(judgeThresholds({ ...good(), load: null }))).toEqual(['load:ran']);
    expect(failed(judgeThresholds({ ...good(), load: loadResult({ rps: 150, durationSec: 30, lat: latencies(4500, 20), valid: false }) }))).toEqual(['load:valid']);
    expect(failed(judgeThresholds({ ...good(), load: loadResult({ rps: 150, durationSec: 30, lat: [] }) }))).toEqual(['load:achieved-rps', 'load:responses', 'slo:p95', 'slo:p99']);
    expect(failed(judgeThresholds({ ...good(), memory: null }))).toEqual(['memory:sampled']);
    const unknownOom = { ...memorySummary({ seconds: 30, baseMiB: 200 }), oomKills: null };
    expect(failed(judgeThresholds({ ...good(), memory: unknownOom }))).toEqual(['memory:oom-kills']);
  });

  it('memory: over the ceiling, OOM kills, swap and a leak each fail', () => {
    expect(failed(judgeThresholds({ ...good(), memory: memorySummary({ seconds: 30, baseMiB: 470 }) }))).toEqual(['memory:peak']);
    expect(failed(judgeThresholds({ ...good(), memory: memorySummary({ seconds: 30, baseMiB: 200, oomKills: 1 }) }))).toEqual(['memory:oom-kills']);
    expect(failed(judgeThresholds({ ...good(), memory: memorySummary({ seconds: 30, baseMiB: 200, swapMiB: 3 }) }))).toEqual(['memory:swap']);
    const leak = failed(judgeThresholds({ ...good(), memory: memorySummary({ seconds: 60, baseMiB: 200, leakMiBPerMin: 60 }) }));
    expect(leak.every((id) => id.startsWith('memory:leak'))).toBe(true);
    // a short run whose last half rises by one small step (a buffer pool warming) is not a leak
    const step = memorySummary({ seconds: 30, baseMiB: 200 });
    const stepped = { ...step, box: { ...step.box, slopePerMin: 8.2, tailSec: 15 } };
    const r = judgeThresholds({ ...good(), memory: stepped }).find((t) => t.id === 'memory:leak')!;
    expect(r.status).toBe('pass');
    expect(r.evidence).toContain('a step, not a leak');
    expect(leak).toContain('memory:leak');
    expect(leak).toContain('memory:leak:kiln-app.service');
  });
});
