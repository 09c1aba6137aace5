/**
 * The gate has teeth: real servers on loopback, the real open-loop generator, the real judging code.
 * A candidate 20 ms slower than its baseline is a regression; a candidate that cannot serve the target
 * rate breaks the SLO; an identical candidate is not flagged. (The memory-leak case is in memory.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_TIERS } from '../images/tiers.ts';
import { runBaselineComparison } from './baseline.ts';
import { runLoad } from './load/run.ts';
import { startStallServer, type Started } from './load/testing/servers.ts';
import type { LoadSpec } from './load/types.ts';
import { judgeThresholds } from './thresholds.ts';
import { memorySummary } from './testing/fixtures.ts';

const nano = BUILTIN_TIERS.find((t) => t.name === 'nano')!;
const servers: Started[] = [];
let fast: Started;
let slow: Started;
let starved: Started;
beforeAll(async () => {
  fast = await startStallServer({ delayMs: 2 });
  slow = await startStallServer({ delayMs: 22 });
  // one worker with 10 ms of service time: 100 req/s at most, below nano's 150 target
  starved = await startStallServer({ serialMs: 10 });
  servers.push(fast, slow, starved);
});
afterAll(async () => {
  for (const s of servers) await s.stop();
});

const spec = (port: number, o: Partial<LoadSpec> = {}): LoadSpec => ({
  host: '127.0.0.1',
  port,
  rps: nano.slo.targetRps,
  warmupSec: 0.5,
  durationSec: 1.5,
  maxConnections: 64,
  timeoutMs: 3000,
  // The CI machine is shared: a wider late tolerance keeps short runs valid without hiding a 20 ms shift.
  lateToleranceMs: 50,
  endpoints: [{ name: 'health', path: '/health', weight: 1 }],
  ...o,
});
const p95 = async (port: number) => {
  const r = await runLoad(spec(port));
  return r.valid ? { p95Ms: r.measure.latency.p95Ms } : null;
};

describe('the gate has teeth', () => {
  it('+20 ms in the candidate is a regression against its baseline', async () => {
    const r = await runBaselineComparison((side) => p95(side === 'baseline' ? fast.port : slow.port), ['p95Ms'], 5);
    // Never a pass; when every repetition was valid (the machine was not starving the generator), a regression.
    expect(['regression', 'fail']).toContain(r.outcome);
    if (r.metrics[0].outcome !== 'missing') {
      expect(r.outcome).toBe('regression');
      expect(r.metrics[0].changePct).toBeGreaterThan(100);
    }
  }, 120_000);

  it('the same server on both sides is not a regression', async () => {
    const r = await runBaselineComparison(() => p95(fast.port), ['p95Ms'], 5);
    expect(r.metrics[0].outcome).not.toBe('regression');
    expect(r.metrics[0].candidate.length).toBeGreaterThanOrEqual(5);
  }, 120_000);

  it('a candidate that cannot serve the target rate breaks the SLO (not a green run)', async () => {
    const load = await runLoad(spec(starved.port, { durationSec: 3, timeoutMs: 2000 }));
    const failed = judgeThresholds({ slo: nano.slo, ramMiB: nano.ramMiB, load, memory: memorySummary({ seconds: 4, baseMiB: 200 }) })
      .filter((t) => t.status === 'fail')
      .map((t) => t.id);
    expect(failed).toEqual(expect.arrayContaining(['slo:p95', 'slo:p99']));
  }, 60_000);
});
