/** The gate's memory judgement: stack PSS compared per box, effect relative AND absolute, missing fails closed. */
import { describe, expect, it } from 'vitest';
import type { MemorySummary } from '../verify/memory/summary.ts';
import { compareMemory } from './gate-memory.ts';

const UNITS = ['kiln-app.service', 'postgresql@15-main.service'];
const series = (v: number) => ({ samples: 10, peak: v + 2, steady: v, slopePerMin: 0, tailSec: 10 });
function summary(app: number, pg: number, units = UNITS): MemorySummary {
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
    services: Object.fromEntries(units.map((u) => [u, { pss: series(values[u]), rssPeakMiB: values[u], processesPeak: 3 }])),
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
});
