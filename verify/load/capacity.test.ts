import { describe, expect, it } from 'vitest';
import { InputError } from '../../images/errors.ts';
import { DEFAULT_LIMITS } from './spec.ts';
import { searchCapacity } from './capacity.ts';
import type { CapacitySpec, LoadResult, LoadSpec } from './types.ts';

/**
 * The search logic against a model server (queueing knee at `kneeRps`), no sockets: the
 * loopback behaviour is covered in load.test.ts. The model only fills what judging reads.
 */
function model(kneeRps: number, opts: { lateAbove?: number } = {}) {
  const calls: number[] = [];
  const run = async (s: LoadSpec): Promise<LoadResult> => {
    calls.push(s.rps);
    const over = s.rps > kneeRps;
    const late = opts.lateAbove !== undefined && s.rps > opts.lateAbove ? Math.ceil(s.rps * s.durationSec * 0.05) : 0;
    const scheduled = Math.ceil(s.rps * s.durationSec);
    const invalidReasons = late > 0 ? ['late'] : [];
    return {
      valid: invalidReasons.length === 0,
      invalidReasons,
      limits: DEFAULT_LIMITS,
      generator: { cpuShare: 0.2 },
      measure: {
        scheduled,
        late,
        dropped: 0,
        errorRate: 0,
        achievedRps: s.rps,
        latency: { p50Ms: over ? 300 : 5, p95Ms: over ? 400 : 8, p99Ms: over ? 500 : 12 },
      },
    } as unknown as LoadResult;
  };
  return { run, calls };
}

const spec = (over: Partial<CapacitySpec> = {}): CapacitySpec => ({
  base: {
    host: '127.0.0.1',
    port: 1,
    endpoints: [{ name: 'r', path: '/', weight: 1 }],
    warmupSec: 0,
    durationSec: 1,
    maxConnections: 8,
    timeoutMs: 1000,
  },
  slo: { p95Ms: 100, p99Ms: 200, maxErrorRate: 0.01 },
  startRps: 100,
  growth: 2,
  maxRps: 100_000,
  resolution: 0.05,
  budgetSec: 600,
  ...over,
});

describe('capacity search', () => {
  it('ramps geometrically, then bisects to within the resolution of the knee', async () => {
    const m = model(730);
    const c = await searchCapacity(spec(), m.run);
    expect(m.calls.slice(0, 5)).toEqual([100, 200, 400, 800, 800]); // 800 is bad: confirmed once
    expect(c.maxGoodRps).toBeLessThanOrEqual(730);
    expect(c.maxGoodRps).toBeGreaterThanOrEqual(730 / 1.05);
    expect(c.firstBadRps! / c.maxGoodRps).toBeLessThanOrEqual(1.05);
    expect(c.limitedBy).toBe('slo');
    expect(c.steps.filter((s) => s.stage === 'bisect').length).toBeGreaterThan(0);
    expect(c.steps.every((s) => s.good === s.rps <= 730)).toBe(true);
  });

  it('says the generator, not the server, ended the search when the breaking run was late', async () => {
    const c = await searchCapacity(spec({ confirmBad: 0 }), model(10_000, { lateAbove: 1000 }).run);
    expect(c.limitedBy).toBe('generator');
    expect(c.maxGoodRps).toBeLessThanOrEqual(1000);
    expect(c.steps.find((s) => !s.good)!.why).toContain('late');
  });

  it('stops at maxRps and reports it', async () => {
    const c = await searchCapacity(spec({ maxRps: 500 }), model(10_000).run);
    expect(c.steps.map((s) => s.rps)).toEqual([100, 200, 400, 500]);
    expect(c).toMatchObject({ maxGoodRps: 500, firstBadRps: null, limitedBy: 'maxRps' });
  });

  it('never starts a step past the budget', async () => {
    const c = await searchCapacity(spec({ budgetSec: 1 }), model(730).run);
    expect(c.steps).toEqual([]);
    expect(c.limitedBy).toBe('budget');
  });

  it('refuses a growth factor that cannot ramp', async () => {
    await expect(searchCapacity(spec({ growth: 1 }), model(730).run)).rejects.toBeInstanceOf(InputError);
  });
});
