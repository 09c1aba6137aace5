/** The gate's memory judgement: stack PSS compared per box, effect relative AND absolute, missing fails closed. */
import { describe, expect, it } from 'vitest';
import type { MemorySummary } from '../verify/memory/summary.ts';
import { compareMemory, memoryPolicyFor } from './gate-memory.ts';

const UNITS = ['kiln-app.service', 'postgresql@15-main.service'];
const series = (v: number, slopePerMin = 0) => ({ samples: 10, peak: v + 2, steady: v, slopePerMin, tailSec: 60 });
function summary(app: number, pg: number, units = UNITS, appSlopePerMin = 0): MemorySummary {
  const values: Record<string, number> = { 'kiln-app.service': app, 'postgresql@15-main.service': pg };
  return {
    durationSec: 20,
    remoteSamples: 10,
    cgroupSamples: 10,
    box: { ...series(app + pg + 40), source: 'cgroup' },
    totalMiB: 512,
    cgroupMaxUsageMiB: 200,
    swapPeakMiB: 0,
    minMemAvailableMiB: 300,
    oomKills: 0,
    failcnt: 0,
    services: Object.fromEntries(
      units.map((u) => [
        u,
        { pss: series(values[u], u === 'kiln-app.service' ? appSlopePerMin : 0), rssPeakMiB: values[u], processesPeak: 3 },
      ]),
    ),
  };
}

describe('compareMemory', () => {
  it('passes equal boxes and small moves, flags a real growth', () => {
    expect(compareMemory(summary(60, 50), summary(60, 50), UNITS).outcome).toBe('pass');
    // +12 MiB is +10.9%: over the relative limit but under the 16 MiB floor.
    expect(compareMemory(summary(72, 50), summary(60, 50), UNITS).outcome).toBe('pass');
    const grown = compareMemory(summary(90, 50), summary(60, 50), UNITS);
    expect(grown.outcome).toBe('regression');
    expect(grown.reasons[0]).toMatch(/^memory regression: servicesPssSteadyMiB 110 -> 140 MiB \(\+27\.3%/);
    // Less memory is never a regression.
    expect(compareMemory(summary(30, 50), summary(60, 50), UNITS).outcome).toBe('pass');
  });

  it('fails closed when a box or a unit was not measured', () => {
    expect(compareMemory(null, summary(60, 50), UNITS).outcome).toBe('fail');
    expect(compareMemory(summary(60, 50), null, UNITS).reasons.join()).toMatch(/previous release box/);
    expect(compareMemory(summary(60, 50, ['kiln-app.service']), summary(60, 50), UNITS).outcome).toBe('fail');
    expect(compareMemory(summary(60, 50), summary(60, 50), []).outcome).toBe('fail');
  });

  it("a candidate whose PSS keeps rising beyond the previous release's is a leak; a slow or shared rise is not", () => {
    const policy = memoryPolicyFor(512);
    const leaking = compareMemory(summary(60, 50, UNITS, 20), summary(60, 50), UNITS, policy);
    expect(leaking.outcome).toBe('regression');
    expect(leaking.reasons.join()).toMatch(
      /^memory regression: servicesPssSlopeMiBPerMin slope 0 -> 20 MiB\/min over the last 60 s, 20 MiB beyond/,
    );
    // Under the tier's 8 MiB/min limit.
    expect(compareMemory(summary(60, 50, UNITS, 5), summary(60, 50), UNITS, policy).outcome).toBe('pass');
    // Both boxes rose alike under the same load: the load's, not the build's.
    expect(compareMemory(summary(60, 50, UNITS, 20), summary(60, 50, UNITS, 18), UNITS, policy).outcome).toBe('pass');
    // A slope with too few samples to fit is no measurement: fails closed.
    const few = summary(60, 50);
    few.services['kiln-app.service'].pss.samples = 2;
    const missing = compareMemory(few, summary(60, 50), UNITS, policy);
    expect(missing.outcome).toBe('fail');
    expect(missing.metrics.find((m) => m.metric === 'servicesPssSlopeMiBPerMin')!.outcome).toBe('missing');
  });

  it('a rise in one quarter only is a step (a new arena, a pool filling), not a leak; a rise through both quarters is', () => {
    const policy = memoryPolicyFor(512);
    const shaped = (quarters: [number, number]) => {
      const m = summary(60, 50, UNITS, 20);
      for (const u of UNITS) m.services[u].pss.quarterSlopesPerMin = u === 'kiln-app.service' ? quarters : [0, 0];
      return m;
    };
    const flat = summary(60, 50);
    for (const u of UNITS) flat.services[u].pss.quarterSlopesPerMin = [0, 0];
    expect(compareMemory(shaped([20, 20]), flat, UNITS, policy).outcome).toBe('regression');
    const step = compareMemory(shaped([40, 0]), flat, UNITS, policy);
    expect(step.outcome).toBe('pass');
    expect(step.metrics[2].evidence).toMatch(/beyond it by 40 and 0 MiB\/min in the last two quarters: a step, not a leak$/);
  });
});
