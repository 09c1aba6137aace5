import { describe, expect, it } from 'vitest';
import type { MetricComparison } from '../verify/baseline.ts';
import { gateHtml } from './gate-html.ts';
import type { GateResult } from './gate.ts';

const metric = (name: string, prev: number, cand: number, outcome: MetricComparison['outcome']): MetricComparison => ({
  metric: name,
  baseline: [prev],
  candidate: [cand],
  baselineMedian: prev,
  candidateMedian: cand,
  changePct: Math.round(((cand - prev) / prev) * 1000) / 10,
  u: 0,
  pValue: 0.004,
  outcome,
  evidence: `${prev} -> ${cand}`,
});
const image = { ref: 'local-0123', app: 'mysite', sha256: 'ab'.repeat(32) };
const result = (over: Partial<GateResult> = {}): GateResult => ({
  kilnVersion: '1.4.2',
  decision: 'fail',
  exitCode: 1,
  reasons: ['latency regression vs the previous release: p50Ms 2.76 -> 11.38 <script>alert(1)</script>'],
  tier: 'nano',
  channel: 'nano.mysite',
  baseRef: 'local-base',
  candidate: { ...image, ref: 'local-4567', bakeSec: 31.2, reused: false },
  previous: { ...image, source: 'promoted' },
  latency: {
    outcome: 'regression',
    reasons: [],
    metrics: [metric('p95Ms', 14.5, 32.7, 'regression'), metric('p99Ms', 20, 21, 'ok')],
  } as unknown as GateResult['latency'],
  latencyMedian: metric('p50Ms', 2.76, 11.38, 'regression'),
  memory: {
    outcome: 'pass',
    policy: {} as never,
    reasons: [],
    metrics: [{ metric: 'servicesPssPeakMiB', previous: 150, candidate: 151, changePct: 0.7, outcome: 'ok', evidence: 'within 10%' }],
  },
  verdictDecision: 'fail',
  promoted: false,
  wallSec: 117.2,
  report: null,
  ...over,
});

describe('gate report page', () => {
  it('shows the decision, every reason, the median and tail A/B and the memory A/B, escaped', () => {
    const html = gateHtml(result());
    expect(html).toMatch(/kiln gate: <span class="fail">fail<\/span> \(exit 1\)/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    for (const row of [
      /<td>p50Ms<\/td><td>2.76<\/td><td>11.38<\/td><td>312.3%<\/td>/,
      /<td>p95Ms<\/td>/,
      /<td>p99Ms<\/td>/,
      /<td>servicesPssPeakMiB<\/td><td>150<\/td><td>151<\/td>/,
    ])
      expect(html).toMatch(row);
    expect(html).toMatch(/local-4567 \(mysite, build abababababab\); baked in 31.2 s/);
    expect(gateHtml(result())).toBe(html);
  });

  it('names the kiln that ran the gate', () => {
    expect(gateHtml(result())).toMatch(/<td>kiln<\/td><td>1\.4\.2<\/td>/);
  });

  it('says so when no comparison ran instead of showing an empty table', () => {
    const html = gateHtml(result({ latency: null, latencyMedian: null, memory: null, reasons: ['boxes: box never became ready'] }));
    expect(html).toContain('no latency comparison ran');
    expect(html).toContain('no memory comparison');
  });
});
