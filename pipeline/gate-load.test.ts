/** The gate's load rules: CPU read at each run's edges, an invalid run repeated once, the previous box warmed like the candidate. */
import { describe, expect, it } from 'vitest';
import type { LoadResult, LoadSpec } from '../verify/load/types.ts';
import { gateLoadRules, warmPreviousAlike } from './gate-load.ts';
import type { ObservedRun } from './gate-median.ts';

const spec = (host: string): LoadSpec =>
  ({ host, port: 80, rps: 10, warmupSec: 0, durationSec: 1, maxConnections: 4, timeoutMs: 1000, endpoints: [] }) as unknown as LoadSpec;

function fakeGenerator(valid: (n: number) => boolean = () => true) {
  const calls: string[] = [];
  const run = async (s: LoadSpec): Promise<LoadResult> => {
    calls.push(`${s.host}:${s.port}`);
    return { valid: valid(calls.length), invalidReasons: valid(calls.length) ? [] : ['late'] } as unknown as LoadResult;
  };
  return { calls, run };
}

describe('gate load rules', () => {
  it("reads the target box's CPU before and after each attempt; an unread side is null", async () => {
    const g = fakeGenerator();
    const seen: ObservedRun[] = [];
    let t = 0;
    const cpu = async (host: string) => (host === 'c' ? (t += 1.5) : null);
    const run = gateLoadRules(undefined, undefined, (r) => seen.push(r), cpu)(g.run);
    await run(spec('c'));
    await run(spec('p'));
    expect(seen.map((r) => [r.host, r.cpuSec])).toEqual([
      ['c', 1.5],
      ['p', null],
    ]);
  });

  it('repeats an invalid run once and observes only the last attempt', async () => {
    const g = fakeGenerator((n) => n !== 1);
    const seen: ObservedRun[] = [];
    await gateLoadRules(undefined, undefined, (r) => seen.push(r))(g.run)(spec('c'));
    expect(g.calls).toEqual(['c:80', 'c:80']);
    expect(seen).toHaveLength(1);
    expect(seen[0].result.valid).toBe(true);
  });

  it("gives the previous box the candidate's first run, once, unobserved", async () => {
    const g = fakeGenerator();
    const seen: ObservedRun[] = [];
    const run = warmPreviousAlike(
      gateLoadRules(undefined, undefined, (r) => seen.push(r)),
      'c',
      { host: 'p', port: 8080 },
    )(g.run);
    await run(spec('c'));
    await run(spec('p'));
    await run(spec('c'));
    expect(g.calls).toEqual(['c:80', 'p:8080', 'p:80', 'c:80']);
    expect(seen.map((r) => r.host)).toEqual(['c', 'p', 'c']);
  });
});
