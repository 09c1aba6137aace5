/** The gate's JUnit: one testcase per A/B metric, failed with its figures and rule; parsed by a real XML parser. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { gateJunit } from './gate-junit.ts';
import { abMetric, gateResult } from './gate-result.testkit.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
});
afterAll(async () => {
  await browser?.close();
});

interface Parsed {
  error: string | null;
  name?: string | null;
  tests?: number;
  failuresAttr?: number;
  cases?: { suite: string | null; name: string | null; failure: string | null; failureMessage: string | null; out: string | null }[];
}

/** The browser's own XML parser: a well-formedness error comes back as `error`. */
async function parse(xml: string): Promise<Parsed> {
  const page = await browser.newPage();
  try {
    return await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      const err = doc.querySelector('parsererror');
      if (err) return { error: err.textContent ?? 'parse error' };
      const root = doc.documentElement;
      return {
        error: null,
        name: root.getAttribute('name'),
        tests: Number(root.getAttribute('tests')),
        failuresAttr: Number(root.getAttribute('failures')),
        cases: [...doc.querySelectorAll('testcase')].map((t) => ({
          suite: t.parentElement?.getAttribute('name') ?? null,
          name: t.getAttribute('name'),
          failure: t.querySelector('failure')?.textContent ?? null,
          failureMessage: t.querySelector('failure')?.getAttribute('message') ?? null,
          out: t.querySelector('system-out')?.textContent ?? null,
        })),
      };
    }, xml);
  } finally {
    await page.close();
  }
}

describe('gate JUnit', () => {
  it('has one testcase per A/B metric plus the decision; the regressed metrics fail with both sides, the difference and the rule', async () => {
    const p = await parse(gateJunit(gateResult()));
    expect(p.error).toBeNull();
    expect(p.name).toBe('kiln gate nano.mysite');
    expect(p.cases!.map((c) => [c.suite, c.name, c.failure !== null])).toEqual([
      ['latency', 'p50Ms', true],
      ['latency', 'p95Ms', true],
      ['latency', 'p99Ms', false],
      ['cpu', 'cpuMsPerRequest', false],
      ['memory', 'servicesPssSteadyMiB', false],
      ['memory', 'servicesPssPeakMiB', false],
      ['memory', 'servicesPssSlopeMiBPerMin', false],
      ['decision', 'decision', true],
    ]);
    expect(p).toMatchObject({ tests: 8, failuresAttr: 3 });
    const p95 = p.cases!.find((c) => c.name === 'p95Ms')!;
    // medians 14.5 -> 32.7 ms: +18.2 ms, +125.517%; the rule is verify's policy (10% and 5 ms, alpha 0.05).
    expect(p95.failureMessage).toMatch(
      /^p95Ms regression: previous release median 14\.5 ms, candidate median 32\.7 ms, difference \+18\.2 ms, \+125\.517%/,
    );
    expect(p95.failure).toContain(
      'previous per repetition [14.5, 14.1, 15, 13.9, 14.8] ms; candidate per repetition [32.7, 31.9, 33.4, 30.8, 35] ms',
    );
    expect(p95.failure).toMatch(
      /rule: regression when the candidate's median is worse by more than 10% and more than 5 ms and a one-sided Mann-Whitney U test gives p < 0\.05/,
    );
    // The median's own floor (2 ms), not verify's tail floors.
    expect(p.cases!.find((c) => c.name === 'p50Ms')!.failure).toMatch(/difference \+8\.62 ms[\s\S]*more than 10% and more than 2 ms/);
    expect(p.cases!.find((c) => c.name === 'servicesPssPeakMiB')!.out).toMatch(
      /previous release 150 MiB, candidate 151 MiB, difference \+1 MiB, \+0\.667%[\s\S]*more than 10% and more than 16 MiB/,
    );
    expect(p.cases!.find((c) => c.name === 'decision')!.failure).toContain('<script>alert(1)</script>');
    expect(p.cases!.find((c) => c.name === 'servicesPssSlopeMiBPerMin')!.out).toMatch(
      /previous release 0\.4 MiB\/min, candidate 0\.6 MiB\/min[\s\S]*a leak when the candidate's PSS slope exceeds the previous release's \(or 0\) by more than 8 MiB\/min/,
    );
  });

  it('fails a CPU per request regression with both sides, the difference and the rule', async () => {
    const r = gateResult();
    r.cpu = abMetric('cpuMsPerRequest', [3.1, 3.0, 3.2, 3.05, 3.15], [3.6, 3.5, 3.7, 3.55, 3.65], 'regression');
    const p = await parse(gateJunit(r));
    const cpu = p.cases!.find((c) => c.name === 'cpuMsPerRequest')!;
    expect(cpu.suite).toBe('cpu');
    expect(cpu.failureMessage).toMatch(
      /^cpuMsPerRequest regression: previous release median 3\.1 ms, candidate median 3\.6 ms, difference \+0\.5 ms, \+16\.129%/,
    );
    expect(cpu.failure).toMatch(/worse by more than 10% and a one-sided Mann-Whitney U test gives p < 0\.05/);
    const none = await parse(gateJunit(gateResult({ cpu: null })));
    expect(none.cases!.find((c) => c.name === 'cpuMsPerRequest')!.failure).toBe('no CPU per request A/B comparison ran');
  });

  it('fails a memory regression with its figures and passes the rest', async () => {
    const r = gateResult({ reasons: ['memory regression: servicesPssPeakMiB 150 -> 190 MiB'] });
    r.latencyMedian = { ...r.latencyMedian!, outcome: 'ok' };
    r.latency = { ...r.latency!, outcome: 'pass', metrics: r.latency!.metrics.map((m) => ({ ...m, outcome: 'ok' as const })) };
    r.memory = {
      ...r.memory!,
      outcome: 'regression',
      metrics: [r.memory!.metrics[0], { ...r.memory!.metrics[1], candidate: 190, changePct: 26.7, outcome: 'regression' }],
    };
    const p = await parse(gateJunit(r));
    expect(p.cases!.filter((c) => c.failure !== null).map((c) => c.name)).toEqual(['servicesPssPeakMiB', 'decision']);
    expect(p.cases!.find((c) => c.name === 'servicesPssPeakMiB')!.failureMessage).toMatch(
      /^servicesPssPeakMiB regression: previous release 150 MiB, candidate 190 MiB, difference \+40 MiB, \+26\.667%/,
    );
  });

  it('fails closed when no comparison ran, and passes with every metric when the gate passed', async () => {
    const none = await parse(
      gateJunit(gateResult({ latency: null, latencyMedian: null, cpu: null, memory: null, reasons: ['boxes: never ready'] })),
    );
    expect(none.cases!.map((c) => [c.name, c.failure])).toEqual([
      ['latency', 'no latency A/B comparison ran'],
      ['cpuMsPerRequest', 'no CPU per request A/B comparison ran'],
      ['memory', 'no memory A/B comparison ran'],
      ['decision', 'boxes: never ready'],
    ]);
    const r = gateResult({ decision: 'pass', exitCode: 0, reasons: [], promoted: true });
    r.latencyMedian = { ...r.latencyMedian!, outcome: 'ok' };
    r.latency = { ...r.latency!, outcome: 'pass', metrics: r.latency!.metrics.map((m) => ({ ...m, outcome: 'ok' as const })) };
    const pass = await parse(gateJunit(r));
    expect(pass).toMatchObject({ tests: 8, failuresAttr: 0 });
    expect(pass.cases!.at(-1)!.out).toBe("pass; promoted as nano.mysite's release");
  });

  it('escapes hostile values into well-formed XML that reads back as written', async () => {
    const hostile = 'p95Ms"/><testcase name="forged"><![CDATA[ & \u0001\u001b]]> \'';
    const r = gateResult({ channel: 'nano.<x>&"y"', reasons: [`latency regression: ${hostile}`] });
    r.latency = { ...r.latency!, metrics: [{ ...r.latency!.metrics[0], metric: hostile, evidence: '</failure></testcase>&amp;' }] };
    const xml = gateJunit(r);
    const p = await parse(xml);
    expect(p.error).toBeNull();
    expect(p.name).toBe('kiln gate nano.<x>&"y"');
    const readBack = 'p95Ms"/><testcase name="forged"><![CDATA[ & ]]> \'';
    expect(p.cases!.map((c) => c.name)).toEqual([
      'p50Ms',
      readBack,
      'cpuMsPerRequest',
      'servicesPssSteadyMiB',
      'servicesPssPeakMiB',
      'servicesPssSlopeMiBPerMin',
      'decision',
    ]);
    const forged = p.cases!.find((c) => c.name === readBack)!;
    expect(forged.failure).toContain('evidence: </failure></testcase>&amp;');
    expect(p.cases!.at(-1)!.failure).toBe(`latency regression: ${readBack}`);
    expect(gateJunit(r)).toBe(xml);
  });
});
