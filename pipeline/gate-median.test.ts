/** Median A/B from observed runs: verify's judged run skipped, invalid runs left out, a real shift flagged. */
import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../verify/load/types.ts';
import { compareMedians, type ObservedRun } from './gate-median.ts';

const run = (host: string, p50Ms: number, valid = true): ObservedRun => ({
  host,
  result: { valid, measure: { responses: 100, latency: { p50Ms } } } as unknown as LoadResult,
});

/** verify's order: the candidate's judged run, then ABBA pairs. */
function abba(cand: number[], prev: number[], judged = 500): ObservedRun[] {
  const out = [run('c', judged)];
  for (let i = 0; i < cand.length; i++)
    out.push(...(i % 2 === 0 ? [run('p', prev[i]), run('c', cand[i])] : [run('c', cand[i]), run('p', prev[i])]));
  return out;
}

describe('compareMedians', () => {
  it('passes equal sides (the judged run does not count) and flags +20 ms on a common view', () => {
    expect(compareMedians(abba([4.1, 3.9, 4.3, 4.0, 4.2], [4.0, 4.2, 3.8, 4.1, 4.4]), 'c', 'p').outcome).toBe('ok');
    const slow = compareMedians(abba([10.2, 9.8, 11.0, 10.5, 10.1], [4.0, 4.2, 3.8, 4.1, 4.4]), 'c', 'p');
    expect(slow.outcome).toBe('regression');
    expect(slow.candidate).toEqual([10.2, 9.8, 11.0, 10.5, 10.1]);
    expect(slow.evidence).toMatch(/median 4\.1 -> 10\.2 .*limit \+10% and \+2\)/);
  });

  it('leaves invalid runs out and fails closed with too few valid repetitions', () => {
    const runs = abba([4, 4, 4, 4, 4], [4, 4, 4, 4, 4]);
    runs[1] = run('p', 4, false);
    expect(compareMedians(runs, 'c', 'p').outcome).toBe('missing');
    expect(compareMedians([], 'c', 'p').outcome).toBe('missing');
  });
});
