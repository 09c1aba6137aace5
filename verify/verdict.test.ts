import { describe, expect, it } from 'vitest';
import { buildVerdict } from './verdict.ts';
import { assertPromotable, checkVerdict } from '../model/verdict-guard.ts';
import { verdictInput } from './testing/fixtures.ts';
import { renderHtml } from './report/html.ts';

const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x));

describe('verdict', () => {
  it('a complete good run passes, validates, and is deterministic', () => {
    const v = buildVerdict(verdictInput());
    expect(v.reasons).toEqual([]);
    expect(v).toMatchObject({ schemaVersion: 1, kind: 'kiln-verdict', decision: 'pass', tier: 'nano', image: { ref: 'local:sha256-abc' } });
    expect(checkVerdict(roundTrip(v)).ok).toBe(true);
    expect(assertPromotable(roundTrip(v)).decision).toBe('pass');
    expect(JSON.stringify(buildVerdict(verdictInput()))).toBe(JSON.stringify(v));
    expect(roundTrip(v)).toEqual(v);
    expect(v.memory.plot?.services['kiln-app.service'].length).toBe(30);
  });

  it('records where the load came from: here unless a verifier is named; a verdict from before the field still validates', () => {
    expect(buildVerdict(verdictInput()).loadOrigin).toEqual({ kind: 'local' });
    const origin = { kind: 'verifier' as const, address: '198.51.100.9', instanceType: 't3.micro', subnetId: 'subnet-0abc' };
    const v = roundTrip(buildVerdict({ ...verdictInput(), loadOrigin: origin }));
    expect(v.loadOrigin).toEqual(origin);
    expect(checkVerdict(v).ok).toBe(true);
    const { loadOrigin: _, ...older } = v;
    expect(checkVerdict(older).ok).toBe(true);
  });

  it('records the kiln that wrote it; a verdict from before the field is still read, a malformed one is not', () => {
    const v = roundTrip(buildVerdict({ ...verdictInput(), kilnVersion: '1.4.2' }));
    expect(v.kilnVersion).toBe('1.4.2');
    expect(checkVerdict(v).ok).toBe(true);
    const { kilnVersion: _, ...older } = v;
    expect(checkVerdict(older).ok).toBe(true);
    expect(assertPromotable(older).decision).toBe('pass');
    for (const bad of ['', 7, null]) expect(checkVerdict({ ...v, kilnVersion: bad }).ok, String(bad)).toBe(false);
  });

  it('the HTML report names the kiln that judged, or says an older verdict did not record it', () => {
    const v = buildVerdict({ ...verdictInput(), kilnVersion: '1.4.2' });
    expect(renderHtml(v)).toMatch(/<th>kiln<\/th><td[^>]*>1\.4\.2<\/td>/);
    const { kilnVersion: _, ...older } = v;
    expect(renderHtml(older)).toMatch(/<th>kiln<\/th><td[^>]*>not recorded/);
  });

  it('fails closed on every kind of missing or bad part', () => {
    const cases: [string, (i: ReturnType<typeof verdictInput>) => void, RegExp][] = [
      [
        'no checks',
        (i) => {
          i.checks = [];
        },
        /checks: none ran/,
      ],
      [
        'errored check',
        (i) => {
          i.checks[0] = { ...i.checks[0], status: 'error', evidence: 'systemd unreachable' };
        },
        /check service:nginx.service: error/,
      ],
      [
        'failed check',
        (i) => {
          i.checks[1] = { ...i.checks[1], status: 'fail' };
        },
        /check listening: fail/,
      ],
      [
        'no thresholds',
        (i) => {
          i.thresholds = [];
        },
        /thresholds: none judged/,
      ],
      [
        'failed threshold',
        (i) => {
          i.thresholds[0] = { ...i.thresholds[0], status: 'fail' };
        },
        /threshold load:valid/,
      ],
      [
        'no lineage',
        (i) => {
          i.image.lineage = null;
        },
        /no lineage/,
      ],
      [
        'no manifest hash',
        (i) => {
          i.image.lineage!.renderManifestSha256 = '';
        },
        /render manifest/,
      ],
      [
        'no image ref',
        (i) => {
          i.image.ref = '';
        },
        /no image ref/,
      ],
      [
        'sampler error',
        (i) => {
          i.memoryErrors = ['cgroup gone'];
        },
        /memory sampler: cgroup gone/,
      ],
      [
        'baseline required but missing',
        (i) => {
          i.baseline = null;
        },
        /no comparison was made/,
      ],
      [
        'baseline inconclusive',
        (i) => {
          i.baseline = { ...i.baseline!, outcome: 'inconclusive' };
        },
        /baseline: inconclusive/,
      ],
      [
        'baseline regression',
        (i) => {
          i.baseline = { ...i.baseline!, outcome: 'regression' };
        },
        /baseline: regression/,
      ],
    ];
    for (const [name, mutate, why] of cases) {
      const input = verdictInput();
      mutate(input);
      const v = buildVerdict(input);
      expect(v.decision, name).toBe('fail');
      expect(v.reasons.join('\n'), name).toMatch(why);
      expect(checkVerdict(roundTrip(v)).ok, name).toBe(true);
      expect(() => assertPromotable(roundTrip(v)), name).toThrow(/decision is fail/);
    }
  });

  it('the first image of a tier may go without a baseline, and only when none is required', () => {
    const input = verdictInput();
    input.baseline = null;
    input.baselineRequired = false;
    expect(buildVerdict(input).decision).toBe('pass');
  });

  it('the guard refuses malformed or tampered documents', () => {
    const good = roundTrip(buildVerdict(verdictInput()));
    const bad: [string, unknown][] = [
      ['not an object', 'pass'],
      ['empty', {}],
      ['wrong version', { ...good, schemaVersion: 2 }],
      ['decision missing', { ...good, decision: undefined }],
      ['unknown decision', { ...good, decision: 'maybe' }],
      ['check status skipped', { ...good, checks: [{ id: 'x', status: 'skipped', evidence: '' }] }],
      ['pass with a failing check', { ...good, checks: [...good.checks, { id: 'x', status: 'fail', evidence: 'e' }] }],
      ['pass with a failing threshold', { ...good, thresholds: [{ ...good.thresholds[0], status: 'fail' }] }],
      ['pass with no checks', { ...good, checks: [] }],
      ['pass with reasons', { ...good, reasons: ['x'] }],
      ['pass without load', { ...good, load: { target: null, capacity: null } }],
      ['pass without memory', { ...good, memory: { summary: null, plot: null, errors: [] } }],
      [
        'pass with inconclusive baseline',
        { ...good, baseline: { required: true, comparison: { ...good.baseline.comparison, outcome: 'inconclusive' } } },
      ],
      ['fail without reason', { ...good, decision: 'fail', reasons: [] }],
      ['load origin of an unknown kind', { ...good, loadOrigin: { kind: 'internet' } }],
      ['load from a verifier without its address', { ...good, loadOrigin: { kind: 'verifier', instanceType: 't3.micro' } }],
    ];
    for (const [name, doc] of bad) {
      expect(checkVerdict(doc).ok, name).toBe(false);
      expect(() => assertPromotable(doc), name).toThrow();
    }
  });
});
