import { describe, expect, it } from 'vitest';
import { CANARY_MIX } from '../../verify/defaults.ts';
import { benchMix } from './capacity.ts';

describe('bench mix', () => {
  it('is the canary mix unless an upstream wait is asked for, then adds 1 request in 6 to /slow', () => {
    expect(benchMix()).toEqual([...CANARY_MIX]);
    const m = benchMix(50);
    expect(m.slice(0, CANARY_MIX.length)).toEqual([...CANARY_MIX]);
    const io = m.at(-1)!;
    expect(io.path).toBe('/slow?ms=50');
    expect(io.weight / m.reduce((a, e) => a + e.weight, 0)).toBeCloseTo(1 / 6);
  });
});
