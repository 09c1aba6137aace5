import { describe, expect, it } from 'vitest';
import { gateHtml } from './gate-html.ts';
import { gateResult } from './gate-result.testkit.ts';

describe('gate report page', () => {
  it('shows the decision, every reason, the median and tail A/B and the memory A/B, escaped', () => {
    const html = gateHtml(gateResult());
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
    expect(gateHtml(gateResult())).toBe(html);
  });

  it('names the kiln that ran the gate', () => {
    expect(gateHtml(gateResult())).toMatch(/<td>kiln<\/td><td>1\.4\.2<\/td>/);
  });

  it('says so when no comparison ran instead of showing an empty table', () => {
    const html = gateHtml(
      gateResult({ latency: null, latencyMedian: null, cpu: null, memory: null, reasons: ['boxes: box never became ready'] }),
    );
    expect(html).toContain('no latency comparison ran');
    expect(html).toContain('no CPU comparison ran');
    expect(html).toContain('no memory comparison');
  });

  it("carries the same strict CSP as verify's report: no script, nothing fetched", () => {
    const html = gateHtml(gateResult());
    const head = html.slice(0, html.indexOf('</head>'));
    expect(head).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    );
    expect(html).not.toMatch(/<script|\bsrc=|\bhref="https?:|<link/i);
  });

  it('plots each A/B metric as two strips, one per side, a dot per repetition and the median marked', () => {
    const r = gateResult();
    const html = gateHtml(r);
    const svgs = [...html.matchAll(/<svg [^>]*data-metric="([^"]+)"[^>]*>([\s\S]*?)<\/svg>/g)];
    expect(svgs.map((m) => m[1])).toEqual([
      'p50Ms',
      'p95Ms',
      'p99Ms',
      'cpuMsPerRequest',
      'servicesPssSteadyMiB',
      'servicesPssPeakMiB',
      'servicesPssSlopeMiBPerMin',
    ]);
    const byMetric = new Map(
      [r.latencyMedian!, ...r.latency!.metrics, r.cpu!].map((m) => [m.metric, [m.baseline.length, m.candidate.length]] as const),
    );
    for (const [, metric, body] of svgs) {
      const series = [...body.matchAll(/<g class="series" data-side="(\w+)"[^>]*>([\s\S]*?)<\/g>/g)];
      expect(
        series.map((s) => s[1]),
        metric,
      ).toEqual(['previous', 'candidate']);
      const dots = series.map((s) => (s[2].match(/<circle class="value"/g) ?? []).length);
      expect(dots, metric).toEqual(byMetric.get(metric) ?? [1, 1]);
      for (const s of series) expect(s[2].match(/<line class="median"/g), metric).toHaveLength(1);
    }
    // The p95 strip: the candidate's dots all lie right of the previous release's (a clear regression, drawn so).
    const p95 = svgs.find((m) => m[1] === 'p95Ms')![2];
    const xs = (side: string) =>
      [
        ...p95
          .split(`data-side="${side}"`)[1]
          .split('</g>')[0]
          .matchAll(/<circle class="value" cx="([\d.]+)"/g),
      ].map((m) => Number(m[1]));
    expect(Math.min(...xs('candidate'))).toBeGreaterThan(Math.max(...xs('previous')));
    // The effect limit is drawn for scale: 14.5 ms + 5 ms (over +10%); 150 MiB + 16 MiB (over +10%); p50's own 2 ms floor.
    expect(p95).toMatch(/<line class="limit"[^>]*\/><text[^>]*>limit 19\.5<\/text>/);
    expect(svgs.find((m) => m[1] === 'servicesPssPeakMiB')![2]).toContain('>limit 166</text>');
    expect(svgs.find((m) => m[1] === 'p50Ms')![2]).toContain('>limit 4.76</text>');
    expect(gateHtml(gateResult())).toBe(html);
  });

  it('draws no dots for a side whose repetitions gave no figure, and says so', () => {
    const html = gateHtml(gateResult({ latency: null, latencyMedian: null, cpu: null, memory: null }));
    expect(html).toContain('no A/B figures to plot');
    expect(html).not.toContain('<svg');
    const missing = gateResult();
    missing.latencyMedian = {
      ...missing.latencyMedian!,
      candidate: [null, null, null, null, null],
      candidateMedian: null,
      outcome: 'missing',
    };
    const strip = gateHtml(missing).match(/<svg [^>]*data-metric="p50Ms"[\s\S]*?<\/svg>/)![0];
    expect(strip).toMatch(/candidate: median none, 5 missing/);
    expect(strip.split('data-side="candidate"')[1]).not.toContain('<circle');
  });
});
