import { describe, expect, it } from 'vitest';
import { compareWithBaseline, interleavedOrder, runBaselineComparison } from './baseline.ts';
import { mannWhitneyGreater } from './ranktest.ts';

describe('Mann-Whitney U', () => {
  it('matches exact tables for small samples', () => {
    // all 5 candidate values above all 5 baseline values: p = 1 / C(10,5) = 1/252
    const r = mannWhitneyGreater([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(r).toMatchObject({ u: 25, method: 'exact' });
    expect(r.pValue).toBeCloseTo(1 / 252, 8);
    expect(mannWhitneyGreater([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]).pValue).toBe(1);
    // 3 vs 3 fully separated: 1/20 = 0.05, never below alpha: why minRepetitions exists
    expect(mannWhitneyGreater([1, 2, 3], [4, 5, 6]).pValue).toBeCloseTo(0.05, 10);
    // U = 12 of 25 for interleaved values: near the middle
    expect(mannWhitneyGreater([1, 3, 5, 7, 9], [2, 4, 6, 8, 10]).pValue).toBeGreaterThan(0.3);
  });

  it('uses the tie-corrected normal approximation with ties', () => {
    const r = mannWhitneyGreater([10, 10, 11, 12, 12, 13], [12, 13, 13, 14, 15, 15]);
    expect(r.method).toBe('normal');
    expect(r.pValue).toBeGreaterThan(0.001);
    expect(r.pValue).toBeLessThan(0.02);
    expect(mannWhitneyGreater([5, 5, 5], [5, 5, 5]).pValue).toBe(1);
  });
});

const base = [20.1, 19.8, 20.4, 20.0, 19.9, 20.2];
describe('baseline comparison', () => {
  it('the same image against itself passes', () => {
    const r = compareWithBaseline([{ metric: 'p95Ms', baseline: base, candidate: [20.0, 20.3, 19.7, 20.1, 20.2, 19.9] }]);
    expect(r.outcome).toBe('pass');
    expect(r.reasons).toEqual([]);
  });

  it('a clearly slower candidate is a regression', () => {
    const r = compareWithBaseline([{ metric: 'p95Ms', baseline: base, candidate: base.map((x) => x + 20) }]);
    expect(r.outcome).toBe('regression');
    expect(r.metrics[0].changePct).toBeGreaterThan(90);
    expect(r.metrics[0].pValue).toBeLessThan(0.05);
  });

  it('significantly but only slightly slower is not a regression (effect size threshold)', () => {
    const r = compareWithBaseline([{ metric: 'p95Ms', baseline: base, candidate: base.map((x) => x * 1.05 + 0.5) }]);
    expect(r.metrics[0].pValue).toBeLessThan(0.05);
    expect(r.outcome).toBe('pass');
  });

  it('a relative change below the absolute floor is noise, not a regression', () => {
    const tiny = [3.0, 3.1, 2.9, 3.0, 3.05];
    const r = compareWithBaseline([{ metric: 'p95Ms', baseline: tiny, candidate: tiny.map((x) => x * 1.5) }]);
    expect(r.metrics[0].changePct).toBeGreaterThan(40);
    expect(r.outcome).toBe('pass');
  });

  it('worse but noisy is inconclusive, and fails after the rerun', () => {
    const noisy = { metric: 'p95Ms', baseline: [20, 40, 21, 39, 22], candidate: [23, 45, 19, 44, 30] };
    expect(compareWithBaseline([noisy]).outcome).toBe('inconclusive');
    const again = compareWithBaseline([noisy], undefined, 2);
    expect(again.outcome).toBe('fail');
    expect(again.reasons.join(' ')).toContain('still inconclusive');
  });

  it('fails closed on missing repetitions, too few repetitions, or nothing to compare', () => {
    expect(compareWithBaseline([{ metric: 'p95Ms', baseline: base, candidate: [20, null, 20, 20, 20, 20] }]).outcome).toBe('fail');
    expect(compareWithBaseline([{ metric: 'p95Ms', baseline: [20, 20, 20], candidate: [20, 20, 20] }]).outcome).toBe('fail');
    expect(compareWithBaseline([{ metric: 'p95Ms', baseline: [], candidate: [] }]).outcome).toBe('fail');
    expect(compareWithBaseline([]).outcome).toBe('fail');
  });

  it('interleaves ABBA and reruns once when inconclusive', async () => {
    expect(interleavedOrder(3)).toEqual(['baseline', 'candidate', 'candidate', 'baseline', 'baseline', 'candidate']);
    const calls: string[] = [];
    const noisy: Record<string, number[]> = { baseline: [20, 40, 21, 39, 22], candidate: [23, 45, 19, 44, 30] };
    const seen: Record<string, number> = { baseline: 0, candidate: 0 };
    const r = await runBaselineComparison(
      async (side) => {
        calls.push(side);
        return { p95Ms: noisy[side][seen[side]++ % 5] };
      },
      ['p95Ms'],
      5,
    );
    expect(calls.length).toBe(20);
    expect(r).toMatchObject({ outcome: 'fail', attempt: 2 });
    // one invalid run is repeated; a repetition invalid twice is missing data: fail
    let calls3 = 0;
    const once = await runBaselineComparison(
      async (side, i) => (i === 3 && calls3++ === 0 ? null : { p95Ms: 20 + (side === 'candidate' ? 0.1 : 0) }),
      ['p95Ms'],
      5,
    );
    expect(once.outcome).toBe('pass');
    const invalid = await runBaselineComparison(
      async (side, i) => (i === 3 ? null : { p95Ms: 20 + (side === 'candidate' ? 0.1 : 0) }),
      ['p95Ms'],
      5,
    );
    expect(invalid.outcome).toBe('fail');
  });
});
