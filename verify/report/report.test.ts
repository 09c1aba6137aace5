import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { judgeThresholds } from '../thresholds.ts';
import { buildVerdict } from '../verdict.ts';
import { verdictInput } from '../testing/fixtures.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { writeReport } from './write.ts';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let browser: Browser;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-report-'));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Parses XML with the browser's own parser; returns the testcase/failure counts or the parser's error. */
async function parseJunit(xml: string) {
  const page = await browser.newPage();
  try {
    return await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      const err = doc.querySelector('parsererror');
      if (err) return { error: err.textContent ?? 'parse error' };
      const root = doc.documentElement;
      return {
        error: null,
        root: root.nodeName,
        tests: Number(root.getAttribute('tests')),
        failuresAttr: Number(root.getAttribute('failures')),
        testcases: doc.querySelectorAll('testcase').length,
        failures: doc.querySelectorAll('testcase > failure').length,
        names: [...doc.querySelectorAll('testcase')].map((t) => t.getAttribute('name')),
      };
    }, xml);
  } finally {
    await page.close();
  }
}

describe('report', () => {
  it('the HTML report opens in headless Chromium with all four plots drawn and nothing fetched', async () => {
    const v = buildVerdict(verdictInput());
    const files = await writeReport(v, join(dir, 'pass'));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(files.html).href);
    const plots = await page.$$eval('svg.plot', (els) =>
      els.map((e) => ({ id: e.id, series: e.querySelectorAll('path.series').length, nodata: e.querySelectorAll('.nodata').length })),
    );
    expect(plots.map((p) => p.id)).toEqual(['plot-latency-time', 'plot-latency-spectrum', 'plot-memory-time', 'plot-capacity']);
    for (const p of plots) {
      expect(p.series, p.id).toBeGreaterThan(0);
      expect(p.nodata, p.id).toBe(0);
    }
    const box = await page.locator('#plot-latency-spectrum').boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    expect(await page.textContent('#decision')).toBe('PASS');
    expect(await page.locator('h2:has-text("Checks") + table tbody tr').count()).toBe(v.checks.length);
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(requests).toEqual([pathToFileURL(files.html).href]);
    await page.close();
  });

  it('a failing verdict shows FAIL with reasons and placeholders where data is missing', async () => {
    const input = verdictInput();
    input.load = null;
    input.capacity = null;
    input.checks[0] = { ...input.checks[0], status: 'error', evidence: 'systemd <unreachable> & "down"' };
    const v = buildVerdict(input);
    const page = await browser.newPage();
    await page.setContent(renderHtml(v));
    expect(await page.textContent('#decision')).toBe('FAIL');
    expect(await page.locator('ul.reasons li').count()).toBe(v.reasons.length);
    expect(await page.locator('#plot-latency-time .nodata').count()).toBe(1);
    expect(await page.textContent('body')).toContain('systemd <unreachable> & "down"');
    await page.close();
  });

  it('JUnit parses, has one testcase per check/threshold/baseline metric plus the decision, and marks failures', async () => {
    const good = buildVerdict(verdictInput());
    const parsed = await parseJunit(readFileSync((await writeReport(good, join(dir, 'junit'))).junit, 'utf8'));
    expect(parsed.error).toBeNull();
    const expected = good.checks.length + good.thresholds.length + good.baseline.comparison!.metrics.length + 1;
    expect(parsed).toMatchObject({ root: 'testsuites', tests: expected, testcases: expected, failures: 0, failuresAttr: 0 });

    const input = verdictInput();
    input.checks.push({ id: 'weird\u0001<name>&', status: 'fail', evidence: 'bad \u0007 bytes ]]> "quoted"' });
    const bad = buildVerdict(input);
    const p2 = await parseJunit(renderJunit(bad));
    expect(p2.error).toBeNull();
    expect(p2.failures).toBe(2); // the check and the decision
    expect(p2.names).toContain('weird<name>&');
  });

  it("shows the judged run per endpoint with its limits, escaping the names and paths a user's recipe gave", async () => {
    const input = verdictInput();
    const load = input.load!;
    const evil = 'create <script>alert(1)</script>';
    load.spec.endpoints = [
      { name: 'home', path: '/', weight: 4, method: 'GET', status: 200, p99Ms: 400 },
      { name: evil, path: '/items?next=<script>x</script>&a="b"', weight: 1, method: 'POST', status: 201, p95Ms: 100, p99Ms: 200 },
    ];
    load.measure.byEndpoint = [
      {
        name: 'home',
        path: '/',
        method: 'GET',
        expectedStatus: 200,
        scheduled: 3600,
        responses: 3600,
        errors: 0,
        statuses: { 200: 3600 },
        p50Ms: 12,
        p95Ms: 40,
        p99Ms: 90,
      },
      {
        name: evil,
        path: '/items?next=<script>x</script>&a="b"',
        method: 'POST',
        expectedStatus: 201,
        scheduled: 900,
        responses: 898,
        errors: 122,
        statuses: { 201: 778, 403: 120 },
        p50Ms: 30,
        p95Ms: 80,
        p99Ms: 250,
      },
    ];
    input.thresholds = judgeThresholds({ slo: input.tier.slo, ramMiB: input.tier.ramMiB, load, memory: input.memory });
    const v = buildVerdict(input);
    const html = renderHtml(v);
    expect(html).not.toContain('<script>');
    const page = await browser.newPage();
    await page.setContent(html);
    expect(await page.locator('script').count()).toBe(0);
    const rows = await page.$$eval('h2:has-text("Endpoints") + table tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => [td.textContent, td.className])),
    );
    expect(rows.map((r) => r.map(([text]) => text))).toEqual([
      ['home', 'GET /', '200', '3600', '0', '12', '40', '90', '—', '<= 400 ms: pass', '<= 0.1 %: pass'],
      [
        evil,
        'POST /items?next=<script>x</script>&a="b"',
        '201',
        '898',
        '122 (expected 201, got 403 x120; 2 without a response)',
        '30',
        '80',
        '250',
        '<= 100 ms: pass',
        '<= 200 ms: fail',
        '<= 0.1 %: fail',
      ],
    ]);
    expect(rows[1].slice(8).map(([, cls]) => cls)).toEqual(['pass', 'fail', 'fail']);
    await page.close();

    const junit = await parseJunit(renderJunit(v));
    expect(junit.error).toBeNull();
    expect(junit.names).toEqual(
      expect.arrayContaining(['errors:home', 'slo:p99:home', `errors:${evil}`, `slo:p95:${evil}`, `slo:p99:${evil}`]),
    );
    expect(junit.failures).toBe(3); // the endpoint's p99 and error share, and the decision
  });

  it('folds the package list into a closed <details> after the decision, the reasons and the plots', async () => {
    const input = verdictInput();
    input.checks[0] = { ...input.checks[0], status: 'fail', evidence: 'down' };
    const v = buildVerdict(input);
    const html = renderHtml(v);
    const details = html.indexOf('<details id="packages">');
    expect(details).toBeGreaterThan(html.indexOf('<ul class="reasons">'));
    expect(details).toBeGreaterThan(html.lastIndexOf('id="plot-'));
    // Nothing above the plots lists a package any more.
    expect(html.slice(0, html.indexOf('<h2>Plots</h2>'))).not.toContain('15.8-0+deb12u1');
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.setContent(html);
    expect(await page.locator('details#packages').getAttribute('open')).toBeNull();
    const rows = page.locator('details#packages tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)))).toEqual([
      ['nginx', '1.22.1-9'],
      ['postgresql', '15.8-0+deb12u1'],
    ]);
    expect(await rows.first().isVisible()).toBe(false);
    await page.locator('details#packages summary').click();
    expect(await rows.first().isVisible()).toBe(true);
    await page.close();
  });

  it('is deterministic given the same verdict', () => {
    const a = buildVerdict(verdictInput());
    const b = buildVerdict(verdictInput());
    expect(renderHtml(a)).toBe(renderHtml(b));
    expect(renderJunit(a)).toBe(renderJunit(b));
  });
});
