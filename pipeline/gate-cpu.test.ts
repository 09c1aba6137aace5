/** CPU per request from the gate's observed runs: the judged run skipped, invalid runs left out, a missing reading fails closed. */
import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../verify/load/types.ts';
import { compareCpu, cpuMsPerRequest } from './gate-cpu.ts';
import type { ObservedRun } from './gate-median.ts';

const result = (responses: number, valid = true): LoadResult =>
  ({
    valid,
    phases: [
      { name: 'warmup', responses: Math.round(responses / 5) },
      { name: 'measure', responses },
    ],
    measure: { responses },
  }) as unknown as LoadResult;
const run = (host: string, cpuSec: number | null, responses = 500, valid = true): ObservedRun => ({
  host,
  result: result(responses, valid),
  cpuSec,
});

describe('CPU per request', () => {
  it('is the CPU over the run divided by every response in it, warm-up included', () => {
    expect(cpuMsPerRequest(1.8, result(500))).toBe(3);
    expect(cpuMsPerRequest(null, result(500))).toBeNull();
    expect(cpuMsPerRequest(1, result(0))).toBeNull();
  });

  it('compares the repetitions of each side, not the judged run nor an invalid one', () => {
    const runs = [
      run('c', 99), // verify's judged run
      ...[1.8, 1.81, 1.79, 1.8, 1.82].map((s) => run('p', s)),
      ...[2.16, 2.17, 2.15, 2.16, 2.18].map((s) => run('c', s)),
      run('c', 9, 500, false),
    ];
    const m = compareCpu(runs, 'c', 'p');
    expect(m.candidate).toHaveLength(5);
    expect(m.baselineMedian).toBe(3);
    expect(m.candidateMedian).toBe(3.6);
    expect(m.outcome).toBe('regression');
    expect(compareCpu(runs.slice(0, 11), 'c', 'p').candidate).toHaveLength(5);
  });

  it('a valid run whose CPU was not read is missing, so the gate fails closed', () => {
    const runs = [run('c', 1), ...[1.8, 1.8, 1.8, 1.8, 1.8].map((s) => run('p', s)), ...[1.8, null, 1.8, 1.8, 1.8].map((s) => run('c', s))];
    expect(compareCpu(runs, 'c', 'p').outcome).toBe('missing');
    const fewer = [run('c', 1), ...[1.8, 1.8, 1.8].map((s) => run('p', s)), ...[1.8, 1.8, 1.8].map((s) => run('c', s))];
    expect(compareCpu(fewer, 'c', 'p').outcome).toBe('missing');
  });
});
