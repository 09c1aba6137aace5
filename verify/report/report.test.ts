import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildVerdict } from '../verdict.ts';
import { verdictInput } from '../testing/fixtures.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { writeReport } from './write.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

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
        error: null, root: root.nodeName, tests: Number(root.getAttribute('tests')), failuresAttr: Number(root.getAttribute('failures')),
        testcases: doc.querySelectorAll('testcase').length, failures: doc.querySelectorAll('testcase > failure').length,
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
    const files = writeReport(v, join(dir, 'pass'));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(files.html).href);
    const plots = await page.$$eval('svg.plot', (els) => els.map((e) => ({ id: e.id, series: e.querySelectorAll('path.series').length, nodata: e.querySelectorAll('.nodata').length })));
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
    const parsed = await parseJunit(readFileSync(writeReport(good, join(dir, 'junit')).junit, 'utf8'));
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

  it('is deterministic given the same verdict', () => {
    const a = buildVerdict(verdictInput());
    const b = buildVerdict(verdictInput());
    expect(renderHtml(a)).toBe(renderHtml(b));
    expect(renderJunit(a)).toBe(renderJunit(b));
  });
});
