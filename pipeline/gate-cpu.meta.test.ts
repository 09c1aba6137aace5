/**
 * The CPU rule has teeth: real servers on loopback that spin the CPU per request, the real open-loop generator, each
 * server's CPU time read from /proc at the edges of every run, and the gate's own CPU judgement. A candidate that
 * costs more CPU per request at the same latency is never a pass; the same server on both sides is not a regression.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBaselineComparison } from '../verify/baseline.ts';
import { runLoad } from '../verify/load/run.ts';
import { startStallServer, type Started } from '../verify/load/testing/servers.ts';
import type { LoadSpec } from '../verify/load/types.ts';
import { processCpu } from './bench/proc-cpu.ts';
import { CPU_METRIC, CPU_POLICY, cpuMsPerRequest } from './gate-cpu.ts';

const servers: Started[] = [];
let base: Started;
let costlier: Started;
beforeAll(async () => {
  // 4 ms of CPU per request against 5.2 ms: +30 % in the work, answered in about the same time at this rate.
  base = await startStallServer({ busyMs: 4 });
  costlier = await startStallServer({ busyMs: 5.2 });
  servers.push(base, costlier);
});
afterAll(async () => {
  for (const s of servers) await s.stop();
});

/** The server process's CPU seconds (every thread), as kiln bench reads a process. */
async function cpuSec(pid: number): Promise<number> {
  const got = await processCpu(pid);
  if (!got) throw new Error(`server process ${pid} is gone`);
  return got[1];
}

const spec = (port: number): LoadSpec => ({
  host: '127.0.0.1',
  port,
  rps: 100,
  warmupSec: 0.3,
  durationSec: 1,
  maxConnections: 32,
  timeoutMs: 3000,
  lateToleranceMs: 50,
  endpoints: [{ name: 'health', path: '/health', weight: 1 }],
});

/** One repetition as the gate takes it: the server's CPU over the run per response; an invalid run gives nothing. */
const perRequest = async (s: Started) => {
  const before = await cpuSec(s.pid);
  const r = await runLoad(spec(s.port));
  const after = await cpuSec(s.pid);
  return r.valid ? { [CPU_METRIC]: cpuMsPerRequest(after - before, r) } : null;
};

describe('the CPU rule has teeth', () => {
  it('a candidate that costs 30 % more CPU per request is never a pass', async () => {
    const r = await runBaselineComparison((side) => perRequest(side === 'baseline' ? base : costlier), [CPU_METRIC], 5, CPU_POLICY);
    expect(['regression', 'fail']).toContain(r.outcome);
    // Every repetition valid (the generator kept up): then it is caught as a regression, by more than the limit.
    if (r.metrics[0].outcome !== 'missing') {
      expect(r.outcome).toBe('regression');
      expect(r.metrics[0].changePct).toBeGreaterThan(CPU_POLICY.maxWorsePct);
    }
  }, 120_000);

  it('the same server on both sides is not a regression', async () => {
    const r = await runBaselineComparison(() => perRequest(base), [CPU_METRIC], 5, CPU_POLICY);
    expect(r.outcome).not.toBe('regression');
    if (r.metrics[0].outcome !== 'missing') expect(Math.abs(r.metrics[0].changePct!)).toBeLessThan(CPU_POLICY.maxWorsePct);
  }, 120_000);
});
