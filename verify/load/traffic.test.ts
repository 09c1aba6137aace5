import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadThresholds } from '../thresholds.ts';
import { runLoadInChild } from './child.ts';
import { runLoad } from './run.ts';
import { startStallServer, type Started } from './testing/servers.ts';
import type { LoggedRequest, StallServerOptions } from './testing/stall-server.ts';
import type { LoadSpec } from './types.ts';

const started: Started[] = [];
const dir = mkdtempSync(join(tmpdir(), 'kiln-load-traffic-'));
async function server(o: StallServerOptions): Promise<Started> {
  const s = await startStallServer(o);
  started.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

const spec = (port: number, over: Partial<LoadSpec>): LoadSpec => ({
  host: '127.0.0.1',
  port,
  endpoints: [],
  rps: 50,
  warmupSec: 0,
  durationSec: 1,
  maxConnections: 32,
  timeoutMs: 5000,
  ...over,
});

describe("a team's traffic, judged per endpoint", () => {
  it('sends a POST body and headers intact, and an endpoint expecting 201 that gets 201 has no error', async () => {
    const logPath = join(dir, 'requests.jsonl');
    const s = await server({ routes: { '/items?team=a%20b': { status: 201 } }, logPath });
    const body = '{"name":"café ☕","qty":2}\r\nsecond line';
    const r = await runLoad(
      spec(s.port, {
        endpoints: [
          {
            name: 'create',
            method: 'POST',
            path: '/items?team=a%20b',
            weight: 1,
            status: 201,
            body,
            headers: { 'Content-Type': 'application/json', 'X-Team': 'kiln' },
          },
          { name: 'list', path: '/items', weight: 1, status: 200, headers: { 'user-agent': 'team-probe' } },
        ],
      }),
    );
    const [create, list] = r.measure.byEndpoint;
    expect(create).toMatchObject({
      name: 'create',
      method: 'POST',
      expectedStatus: 201,
      scheduled: 25,
      responses: 25,
      errors: 0,
      statuses: { 201: 25 },
    });
    expect(list).toMatchObject({ method: 'GET', expectedStatus: 200, responses: 25, errors: 0, statuses: { 200: 25 } });
    expect(r.measure.ok).toBe(50);
    expect(r.measure.errorTotal).toBe(0);

    const got = readFileSync(logPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LoggedRequest);
    const posts = got.filter((g) => g.method === 'POST');
    expect(posts).toHaveLength(25);
    for (const p of posts) {
      expect(p.url).toBe('/items?team=a%20b');
      expect(p.body).toBe(body);
      expect(p.headers).toMatchObject({
        'content-type': 'application/json',
        'x-team': 'kiln',
        'content-length': String(Buffer.byteLength(body)),
      });
    }
    const gets = got.filter((g) => g.method === 'GET');
    expect(gets).toHaveLength(25);
    // the endpoint's header replaced the generator's default instead of being sent beside it
    for (const g of gets) expect(g.headers['user-agent']).toBe('team-probe');
  });

  it('counts a 302 where 200 was expected as unexpectedStatus, through the child process too; without an expectation 302 is ok', async () => {
    const s = await server({ routes: { '/old': { status: 302 } } });
    const r = await runLoadInChild(
      spec(s.port, {
        rps: 40,
        endpoints: [
          { name: 'moved', path: '/old', weight: 1, status: 200, p99Ms: 900 },
          { name: 'legacy', path: '/old', weight: 1 },
        ],
      }),
    );
    expect(r.spec.endpoints[0]).toMatchObject({ status: 200, p99Ms: 900 });
    expect(r.measure.errors).toMatchObject({ unexpectedStatus: 20, status4xx: 0, status5xx: 0 });
    expect(r.measure.ok).toBe(20);
    expect(r.measure.byEndpoint[0]).toMatchObject({ expectedStatus: 200, errors: 20, statuses: { 302: 20 } });
    expect(r.measure.byEndpoint[1]).toMatchObject({ expectedStatus: null, errors: 0, statuses: { 302: 20 } });
    expect(r.series.reduce((n, x) => n + x.errors, 0)).toBe(20);
    const t = loadThresholds({ p95Ms: 1000, p99Ms: 1000, errorRatePct: 1, memoryCeilingPct: 85, targetRps: 40 }, r, 0.5);
    expect(t.find((x) => x.id === 'errors:moved')).toMatchObject({ status: 'fail', observed: 100 });
    expect(t.find((x) => x.id === 'errors:moved')!.evidence).toContain('expected 200, got 302 x20');
    expect(t.find((x) => x.id === 'errors:legacy')).toMatchObject({ status: 'pass', observed: 0 });
  });

  it("fails one slow endpoint's own p99 limit while the overall p99 holds", async () => {
    const s = await server({ routes: { '/report': { delayMs: 1500 } } });
    // 2 slow requests in 300: under 1% of the run, so the overall p99 is a fast request's
    const r = await runLoad(
      spec(s.port, {
        rps: 100,
        durationSec: 3,
        endpoints: [
          { name: 'page', path: '/page', weight: 149, status: 200 },
          { name: 'report', path: '/report', weight: 1, status: 200, p99Ms: 1000 },
        ],
      }),
    );
    expect(r.measure.byEndpoint.map((e) => e.responses)).toEqual([298, 2]);
    const t = loadThresholds({ p95Ms: 1000, p99Ms: 1000, errorRatePct: 1, memoryCeilingPct: 85, targetRps: 100 }, r, 0.5);
    const byId = (id: string) => t.find((x) => x.id === id);
    expect(byId('slo:p99')?.status).toBe('pass');
    expect(byId('slo:p99:report')?.status).toBe('fail');
    expect(byId('slo:p99:report')?.observed).toBeGreaterThanOrEqual(1500);
    expect(byId('slo:p99:page')).toBeUndefined();
    expect(byId('errors:report')?.status).toBe('pass');
  }, 30_000);
});
