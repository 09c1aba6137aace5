/** The gate's decision: each A/B metric can fail it on its own, and one not measured fails it closed. */
import { describe, expect, it } from 'vitest';
import { compareMetric } from '../verify/baseline.ts';
import { CPU_POLICY } from './gate-cpu.ts';
import { gateDecision, type GateFigures, verifyPart } from './gate-decision.ts';
import { abMetric, gateResult } from './gate-result.testkit.ts';

/** Every metric ok and verify passing: the figures of a gate that passes. */
function passing(): GateFigures {
  const r = gateResult();
  return {
    verdictDecision: 'pass',
    latency: { ...r.latency!, outcome: 'pass', metrics: r.latency!.metrics.map((m) => ({ ...m, outcome: 'ok' as const })) },
    latencyMedian: { ...r.latencyMedian!, outcome: 'ok' },
    cpu: r.cpu,
    memory: r.memory,
  };
}

describe('gateDecision', () => {
  it('passes only when every metric was measured and ok', () => {
    expect(gateDecision(passing(), [])).toEqual({ decision: 'pass', reasons: [] });
  });

  it('CPU per request: a 16 % costlier build fails the gate though every latency is ok', () => {
    const cpu = compareMetric(
      { metric: 'cpuMsPerRequest', baseline: [3.1, 3.0, 3.2, 3.05, 3.15], candidate: [3.6, 3.5, 3.7, 3.55, 3.65] },
      CPU_POLICY,
    );
    expect(cpu.outcome).toBe('regression');
    const d = gateDecision({ ...passing(), cpu }, []);
    expect(d.decision).toBe('fail');
    expect(d.reasons).toEqual([
      expect.stringMatching(/^cpu regression vs the previous release: cpuMsPerRequest median 3\.1 -> 3\.6 \(\+16\.1%/),
    ]);
  });

  it('CPU per request: not read on a run, inconclusive, or never compared fails closed', () => {
    const missing = compareMetric({ metric: 'cpuMsPerRequest', baseline: [3, 3, 3, 3, 3], candidate: [3, 3, null, 3, 3] }, CPU_POLICY);
    expect(missing.outcome).toBe('missing');
    expect(gateDecision({ ...passing(), cpu: missing }, []).reasons).toEqual([
      expect.stringMatching(/^cpu missing vs the previous release: cpuMsPerRequest a repetition produced no valid value/),
    ]);
    const inconclusive = abMetric('cpuMsPerRequest', [3, 3, 3, 3, 3], [3.5, 3.5, 3.5, 3.5, 3.5], 'inconclusive');
    expect(gateDecision({ ...passing(), cpu: inconclusive }, []).decision).toBe('fail');
    expect(gateDecision({ ...passing(), cpu: null }, []).reasons).toEqual(['cpu: no A/B comparison against the previous release ran']);
  });

  it('memory: steady growth and a leak slope each fail the gate; no memory figures fail it closed', () => {
    const base = passing();
    const withMetric = (i: number, outcome: 'regression' | 'missing'): GateFigures => {
      const metrics = base.memory!.metrics.map((m, j) => (j === i ? { ...m, outcome } : m));
      const reasons = [`memory ${outcome}: ${metrics[i].metric} ${metrics[i].evidence}`];
      return { ...base, memory: { ...base.memory!, outcome: outcome === 'missing' ? 'fail' : 'regression', metrics, reasons } };
    };
    expect(gateDecision(withMetric(0, 'regression'), []).reasons).toEqual([
      expect.stringMatching(/^memory regression: servicesPssSteadyMiB/),
    ]);
    expect(gateDecision(withMetric(2, 'regression'), []).reasons).toEqual([
      expect.stringMatching(/^memory regression: servicesPssSlopeMiBPerMin/),
    ]);
    expect(gateDecision(withMetric(2, 'missing'), []).decision).toBe('fail');
    expect(gateDecision({ ...base, memory: null }, []).reasons).toEqual(['memory: no A/B comparison against the previous release ran']);
    // An outcome that is not a pass without a reason still fails.
    expect(gateDecision({ ...base, memory: { ...base.memory!, outcome: 'fail', reasons: [] } }, []).decision).toBe('fail');
  });

  it("the gate's own reasons come first; verify failing without a reason still fails closed", () => {
    expect(
      gateDecision({ ...passing(), latency: null, latencyMedian: null, cpu: null, memory: null }, ['boxes: never ready']).reasons[0],
    ).toBe('boxes: never ready');
    expect(gateDecision({ ...passing(), verdictDecision: 'fail' }, []).reasons).toEqual(['no decision could be reached: failing closed']);
  });

  it("verify's judged-run leak slope and its baseline A/B are the gate's to judge; any other verify reason fails the gate", () => {
    const leakOnly = {
      decision: 'fail' as const,
      reasons: [
        'threshold memory:leak: 79.59 MiB/min > 8 MiB/min, grew 17.2 MiB in 13 s',
        'threshold memory:leak:kiln-app.service: 78.17 MiB/min PSS > 8 MiB/min PSS, grew 17.5 MiB in 13 s',
        'baseline: pass',
      ],
    };
    expect(verifyPart(leakOnly)).toEqual({ decision: 'pass', reasons: [] });
    const slo = { decision: 'fail' as const, reasons: [...leakOnly.reasons, 'threshold slo:p95: 300 ms > 250 ms'] };
    expect(verifyPart(slo)).toEqual({ decision: 'fail', reasons: ['threshold slo:p95: 300 ms > 250 ms'] });
    expect(verifyPart({ decision: 'fail', reasons: [] }).decision).toBe('fail');
    expect(verifyPart({ decision: 'pass', reasons: [] }).decision).toBe('pass');
  });
});
