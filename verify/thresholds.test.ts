import { describe, expect, it } from 'vitest';
import { BUILTIN_TIERS } from '../images/tiers.ts';
import type { Endpoint, EndpointSummary, LoadResult } from './load/types.ts';
import { judgeThresholds, latencyJudgement, loadThresholds } from './thresholds.ts';
import { latencies, loadResult, memorySummary } from './testing/fixtures.ts';

const nano = BUILTIN_TIERS.find((t) => t.name === 'nano')!;
const good = () => ({
  slo: nano.slo,
  ramMiB: nano.ramMiB,
  load: loadResult({ rps: 150, durationSec: 30, lat: latencies(4500, 20) }),
  memory: memorySummary({ seconds: 30, baseMiB: 200 }),
});
const failed = (r: ReturnType<typeof judgeThresholds>) => r.filter((t) => t.status === 'fail').map((t) => t.id);

describe('latency on an emulated machine', () => {
  const slow = () => ({ ...good(), load: loadResult({ rps: 150, durationSec: 30, lat: latencies(4500, 180) }) });
  const skipped = (r: ReturnType<typeof judgeThresholds>) => r.filter((t) => t.status === 'skipped');

  it('records p95/p99 as not judged, with the reason and what was measured, and judges everything else', () => {
    const r = judgeThresholds({ ...slow(), latency: latencyJudgement({ emulated: true, accelerator: 'tcg' }) });
    expect(skipped(r).map((t) => t.id)).toEqual(['slo:p95', 'slo:p99']);
    expect(skipped(r)[0]!.evidence).toMatch(/^not judged: the machine runs under software emulation \(tcg\).*measured \d/);
    expect(failed(r)).toEqual([]);
    expect(r.find((t) => t.id === 'slo:error-rate')?.status).toBe('pass');
  });

  it('fails closed: a host that does not say emulated: true is judged', () => {
    for (const host of [{}, { emulated: 'yes' }, { emulated: false, accelerator: 'tcg' }, { accelerator: 'tcg' }]) {
      const r = judgeThresholds({ ...slow(), latency: latencyJudgement(host) });
      expect(skipped(r)).toEqual([]);
      expect(failed(r)).toEqual(['slo:p95', 'slo:p99']);
    }
  });
});

describe('thresholds', () => {
  it('a good run passes every threshold', () => {
    const r = judgeThresholds(good());
    expect(failed(r)).toEqual([]);
    expect(r.map((t) => t.id)).toEqual(
      expect.arrayContaining(['slo:p95', 'slo:p99', 'slo:error-rate', 'memory:peak', 'memory:oom-kills', 'memory:swap', 'memory:leak']),
    );
  });

  it('slow, erroring and under-rate runs fail on the right thresholds', () => {
    expect(failed(judgeThresholds({ ...good(), load: loadResult({ rps: 150, durationSec: 30, lat: latencies(4500, 180) }) }))).toEqual([
      'slo:p95',
      'slo:p99',
    ]);
    expect(
      failed(judgeThresholds({ ...good(), load: loadResult({ rps: 150, durationSec: 30, lat: latencies(4500, 20), errors: 50 }) })),
    ).toEqual(['slo:error-rate', 'errors:health']);
    expect(failed(judgeThresholds({ ...good(), load: loadResult({ rps: 100, durationSec: 30, lat: latencies(3000, 20) }) }))).toEqual([
      'load:target-rps',
      'load:achieved-rps',
    ]);
  });

  it('fails closed: no load run, an invalid run, zero responses, no memory samples', () => {
    expect(failed(judgeThresholds({ ...good(), load: null }))).toEqual(['load:ran']);
    expect(
      failed(judgeThresholds({ ...good(), load: loadResult({ rps: 150, durationSec: 30, lat: latencies(4500, 20), valid: false }) })),
    ).toEqual(['load:valid']);
    expect(failed(judgeThresholds({ ...good(), load: loadResult({ rps: 150, durationSec: 30, lat: [] }) }))).toEqual([
      'load:achieved-rps',
      'load:responses',
      'slo:p95',
      'slo:p99',
      'errors:health',
    ]);
    expect(failed(judgeThresholds({ ...good(), memory: null }))).toEqual(['memory:sampled']);
    const unknownOom = { ...memorySummary({ seconds: 30, baseMiB: 200 }), oomKills: null };
    expect(failed(judgeThresholds({ ...good(), memory: unknownOom }))).toEqual(['memory:oom-kills']);
  });

  it('memory: over the ceiling, OOM kills, swap and a leak each fail', () => {
    expect(failed(judgeThresholds({ ...good(), memory: memorySummary({ seconds: 30, baseMiB: 470 }) }))).toEqual(['memory:peak']);
    expect(failed(judgeThresholds({ ...good(), memory: memorySummary({ seconds: 30, baseMiB: 200, oomKills: 1 }) }))).toEqual([
      'memory:oom-kills',
    ]);
    expect(failed(judgeThresholds({ ...good(), memory: memorySummary({ seconds: 30, baseMiB: 200, swapMiB: 3 }) }))).toEqual([
      'memory:swap',
    ]);
    const leak = failed(judgeThresholds({ ...good(), memory: memorySummary({ seconds: 60, baseMiB: 200, leakMiBPerMin: 60 }) }));
    expect(leak.every((id) => id.startsWith('memory:leak'))).toBe(true);
    // a short run whose last half rises by one small step (a buffer pool warming) is not a leak
    const step = memorySummary({ seconds: 30, baseMiB: 200 });
    const stepped = { ...step, box: { ...step.box, slopePerMin: 8.2, tailSec: 15 } };
    const r = judgeThresholds({ ...good(), memory: stepped }).find((t) => t.id === 'memory:leak')!;
    expect(r.status).toBe('pass');
    expect(r.evidence).toContain('a step, not a leak');
    expect(leak).toContain('memory:leak');
    expect(leak).toContain('memory:leak:kiln-app.service');
  });
});

/** The fixture run with its endpoints replaced: [spec endpoint, what the judged window measured of it]. */
function withEndpoints(rows: [Endpoint, Partial<EndpointSummary>][]): LoadResult {
  const r = loadResult({ rps: 150, durationSec: 30, lat: latencies(4500, 20) });
  r.spec.endpoints = rows.map(([e]) => e);
  r.measure.byEndpoint = rows.map(([e, m]) => ({
    name: e.name,
    path: e.path,
    method: e.method ?? 'GET',
    expectedStatus: e.status ?? null,
    scheduled: 300,
    responses: 300,
    errors: 0,
    statuses: { [e.status ?? 200]: 300 },
    p50Ms: 10,
    p95Ms: 20,
    p99Ms: 30,
    ...m,
  }));
  return r;
}
const perEndpoint = (r: LoadResult) => loadThresholds(nano.slo, r, 0.95).filter((t) => /^(errors|slo:p9[59]):./.test(t.id));

describe('per-endpoint thresholds', () => {
  it('every endpoint gets its error share; p95/p99 ids only where the endpoint sets a limit', () => {
    const r = withEndpoints([
      [{ name: 'home', path: '/', weight: 4 }, {}],
      [{ name: 'create', path: '/items', weight: 1, method: 'POST', status: 201, p95Ms: 50, p99Ms: 80 }, {}],
    ]);
    expect(perEndpoint(r).map((t) => [t.id, t.status, t.limit, t.observed])).toEqual([
      ['errors:home', 'pass', 0.1, 0],
      ['errors:create', 'pass', 0.1, 0],
      ['slo:p95:create', 'pass', 50, 20],
      ['slo:p99:create', 'pass', 80, 30],
    ]);
    expect(failed(judgeThresholds({ ...good(), load: r }))).toEqual([]);
  });

  it('one endpoint over its own limit or error share fails on its id alone, and says which statuses came back', () => {
    const r = withEndpoints([
      [{ name: 'home', path: '/', weight: 4, p99Ms: 100 }, {}],
      [
        { name: 'report', path: '/report', weight: 1, p95Ms: 400, p99Ms: 200 },
        { p95Ms: 300, p99Ms: 350 },
      ],
      [
        { name: 'create', path: '/items', weight: 1, method: 'POST', status: 201 },
        { errors: 120, statuses: { 201: 180, 403: 118, 302: 2 } },
      ],
    ]);
    const t = perEndpoint(r);
    expect(t.filter((x) => x.status === 'fail').map((x) => x.id)).toEqual(['slo:p99:report', 'errors:create']);
    expect(t.find((x) => x.id === 'errors:create')).toMatchObject({ observed: 40, limit: 0.1 });
    expect(t.find((x) => x.id === 'errors:create')!.evidence).toContain('120 of 300 requests: expected 201, got 302 x2, 403 x118');
    expect(t.find((x) => x.id === 'slo:p99:report')!.evidence).toBe('350 ms > 200 ms');
  });

  it('fails closed: an endpoint with no response, a summary missing or of another endpoint is no measurement', () => {
    const silent = withEndpoints([
      [{ name: 'home', path: '/', weight: 4 }, {}],
      [
        { name: 'export', path: '/export', weight: 1, p95Ms: 500 },
        { responses: 0, errors: 300, statuses: {} },
      ],
    ]);
    const t = perEndpoint(silent);
    expect(t.filter((x) => x.status === 'fail').map((x) => x.id)).toEqual(['errors:export', 'slo:p95:export']);
    for (const x of t.filter((y) => y.status === 'fail')) {
      expect(x.observed).toBeNull();
      expect(x.evidence).toMatch(/^no measurement/);
    }
    const missing = withEndpoints([[{ name: 'home', path: '/', weight: 1, p99Ms: 100 }, {}]]);
    missing.measure.byEndpoint = [];
    expect(perEndpoint(missing).map((x) => [x.id, x.status])).toEqual([
      ['errors:home', 'fail'],
      ['slo:p99:home', 'fail'],
    ]);
    const swapped = withEndpoints([[{ name: 'home', path: '/', weight: 1 }, { name: 'other' }]]);
    expect(perEndpoint(swapped).map((x) => [x.id, x.status, x.observed])).toEqual([['errors:home', 'fail', null]]);
  });
});
