import { performance } from 'node:perf_hooks';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../images/errors.ts';
import { searchCapacity } from './capacity.ts';
import { runLoadInChild } from './child.ts';
import { Mix, requestBytes } from './mix.ts';
import { runLoad } from './run.ts';
import { freePort, startNginx, startStallServer, type Started } from './testing/servers.ts';
import type { StallServerOptions } from './testing/stall-server.ts';
import { runAb } from './testing/ab.ts';
import type { LoadSpec } from './types.ts';

const base = (port: number, over: Partial<LoadSpec> = {}): LoadSpec => ({
  host: '127.0.0.1',
  port,
  endpoints: [{ name: 'root', path: '/', weight: 1 }],
  rps: 100,
  warmupSec: 0.5,
  durationSec: 2,
  maxConnections: 32,
  timeoutMs: 2000,
  ...over,
});

const started: Started[] = [];
async function stall(o: StallServerOptions): Promise<Started> {
  const s = await startStallServer(o);
  started.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

describe('open-loop generator against nginx', () => {
  let nginx: Started;
  beforeAll(async () => {
    nginx = await startNginx();
    started.push(nginx);
  });

  it('achieves a modest target rate, honours the mix, excludes warm-up, and the histogram re-reads', async () => {
    const r = await runLoad(
      base(nginx.port, {
        rps: 200,
        warmupSec: 1,
        durationSec: 3,
        maxConnections: 128,
        endpoints: [
          { name: 'static', path: '/static/canary.css', weight: 3 },
          { name: 'health', path: '/health', weight: 1 },
        ],
      }),
    );
    const m = r.measure;
    expect(r.phases.map((p) => p.name)).toEqual(['warmup', 'measure']);
    expect(r.phases[0].scheduled).toBe(200);
    expect(m.scheduled).toBe(600);
    expect(m.achievedRps).toBeGreaterThan(180);
    expect(m.achievedRps).toBeLessThan(220);
    expect(m.errorTotal).toBe(0);
    expect(m.byEndpoint.map((e) => e.responses)).toEqual([450, 150]);
    expect(m.dropped).toBe(0);
    // this shared box freezes whole processes for 100+ ms now and then; that may only show as late sends
    expect(r.invalidReasons.filter((x) => !/behind schedule/.test(x))).toEqual([]);
    expect(r.valid).toBe(r.invalidReasons.length === 0);
    expect(r.generator.cpuShare).toBeGreaterThan(0);
    expect(r.series.filter((s) => s.phase === 'measure').length).toBeGreaterThanOrEqual(3);
    expect(r.series.reduce((a, s) => a + s.sent, 0)).toBe(800);
    const h = decodeFromCompressedBase64(m.histogramBase64, 32, false);
    expect(h.totalCount).toBe(m.responses);
  });

  it('runs pinned in a child process and reports where it ran', async () => {
    const r = await runLoadInChild(
      base(nginx.port, { rps: 50, warmupSec: 0, durationSec: 1, endpoints: [{ name: 'health', path: '/health', weight: 1 }] }),
      '0',
    );
    expect(r.generator.cpusAllowed).toBe('0');
    expect(r.measure.responses).toBe(50);
    expect(() => runLoadInChild(base(nginx.port), '0;rm')).toThrow(InputError);
  });

  it('kills the child when its signal aborts, long before the run would end', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const run = runLoadInChild(
      base(nginx.port, { rps: 20, warmupSec: 0, durationSec: 120, endpoints: [{ name: 'health', path: '/health', weight: 1 }] }),
      undefined,
      ac.signal,
    );
    setTimeout(() => ac.abort(), 1000);
    await expect(run).rejects.toThrow(/aborted/);
    expect(Date.now() - started).toBeLessThan(60_000);
    await expect(runLoadInChild(base(nginx.port), undefined, ac.signal)).rejects.toThrow(/not started/);
  });

  it('counts 4xx by kind and keeps them out of ok', async () => {
    const r = await runLoad(
      base(nginx.port, { rps: 100, warmupSec: 0, durationSec: 1, endpoints: [{ name: 'missing', path: '/missing', weight: 1 }] }),
    );
    expect(r.measure.errors.status4xx).toBe(100);
    expect(r.measure.ok).toBe(0);
    expect(r.measure.errorRate).toBe(1);
  });
});

describe('open-loop generator against a controllable server', () => {
  it('exposes a periodic 300 ms stall in p99, which a closed-loop measure hides', async () => {
    const s = await stall({ stallEveryMs: 1000, stallMs: 300 });
    const r = await runLoad(base(s.port, { rps: 100, warmupSec: 0.5, durationSec: 4, maxConnections: 256 }));
    expect(r.measure.latency.p99Ms).toBeGreaterThanOrEqual(250);
    expect(r.measure.latency.p50Ms).toBeLessThan(100);
    expect(r.measure.dropped).toBe(0);
    // ab (closed loop, uncorrected): each connection meets one stall per second among thousands of fast replies
    const ab = await runAb(`http://127.0.0.1:${s.port}/`, { connections: 4, durationSec: 3 });
    expect(ab.requests).toBeGreaterThan(1000);
    expect(ab.maxMs).toBeGreaterThanOrEqual(250);
    expect(ab.p99Ms).toBeLessThan(250);
  });

  it('flags a pool too small for rate × latency as invalid (dropped sends)', async () => {
    const s = await stall({ delayMs: 50 });
    const r = await runLoad(base(s.port, { rps: 200, warmupSec: 0, durationSec: 2, maxConnections: 2 }));
    expect(r.measure.dropped).toBeGreaterThan(100);
    expect(r.valid).toBe(false);
    expect(r.invalidReasons.join('\n')).toMatch(/dropped.*pool of 2 exhausted/);
  });

  it('flags a generator whose event loop could not keep the schedule as invalid (late sends)', async () => {
    const s = await stall({});
    const hog = setTimeout(() => {
      const until = performance.now() + 300;
      while (performance.now() < until);
    }, 1000);
    const r = await runLoad(base(s.port, { rps: 200, warmupSec: 0, durationSec: 2 }));
    clearTimeout(hog);
    expect(r.measure.late).toBeGreaterThan(30);
    expect(r.measure.sendLagMaxMs).toBeGreaterThan(200);
    expect(r.valid).toBe(false);
    expect(r.invalidReasons.join('\n')).toMatch(/behind schedule/);
    // latency is from the intended time: the sends held up by the generator show it
    expect(r.measure.latency.maxMs).toBeGreaterThan(200);
  });

  it('counts errors by kind: 5xx, connection refused, reset, timeout', async () => {
    const s500 = await stall({ status: 500 });
    const r500 = await runLoad(base(s500.port, { warmupSec: 0, durationSec: 1 }));
    expect(r500.measure.errors.status5xx).toBe(100);
    expect(r500.measure.responses).toBe(100);

    const refused = await runLoad(base(await freePort(), { warmupSec: 0, durationSec: 1, rps: 50 }));
    expect(refused.measure.errors.connect).toBe(50);
    expect(refused.valid).toBe(false);
    expect(refused.invalidReasons.join('\n')).toMatch(/no response/);

    const reset = await runLoad(base((await stall({ reset: true })).port, { warmupSec: 0, durationSec: 1, rps: 50 }));
    expect(reset.measure.errors.reset).toBe(50);

    const slow = await runLoad(base((await stall({ delayMs: 5000 })).port, { warmupSec: 0, durationSec: 0.5, rps: 20, timeoutMs: 300 }));
    expect(slow.measure.errors.timeout).toBe(10);
    expect(slow.measure.responses).toBe(0);
  });

  it('keeps a cold start inside the warm-up out of the judged window', async () => {
    const s = await stall({ coldMs: 1500, coldDelayMs: 200 });
    const r = await runLoad(base(s.port, { rps: 100, warmupSec: 2, durationSec: 1.5 }));
    expect(r.phases[0].scheduled).toBe(200);
    expect(r.measure.scheduled).toBe(150);
    expect(r.phases[0].latency.p50Ms).toBeGreaterThanOrEqual(150);
    expect(r.measure.latency.p50Ms).toBeLessThan(100);
    expect(r.series.some((x) => x.phase === 'warmup' && x.p50Ms >= 150)).toBe(true);
  });

  it('finds the capacity of a server that serialises a 10 ms handler (~100 rps)', async () => {
    const s = await stall({ serialMs: 10 });
    const c = await searchCapacity({
      base: { ...base(s.port), warmupSec: 0.5, durationSec: 1.5, timeoutMs: 1000, maxConnections: 64 },
      slo: { p95Ms: 100, p99Ms: 150, maxErrorRate: 0.01 },
      startRps: 20,
      growth: 2,
      maxRps: 1000,
      resolution: 0.15,
      budgetSec: 45,
    });
    expect(c.steps[0]).toMatchObject({ stage: 'ramp', rps: 20, good: true });
    expect(c.maxGoodRps).toBeGreaterThanOrEqual(40);
    expect(c.maxGoodRps).toBeLessThanOrEqual(130);
    expect(c.firstBadRps).not.toBeNull();
    expect(c.firstBadRps!).toBeLessThanOrEqual(320);
    // 'pool'/'generator' when the shared box starved the server/generator at the breaking step
    expect(['slo', 'pool', 'generator']).toContain(c.limitedBy);
    expect(c.steps.some((x) => x.stage === 'bisect')).toBe(true);
    expect(c.elapsedSec).toBeLessThan(45);
  }, 60_000);
});

describe('spec and mix', () => {
  it('rejects bad input with the field named', async () => {
    await expect(runLoad(base(1, { rps: -1 }))).rejects.toBeInstanceOf(InputError);
    await expect(runLoad(base(1, { endpoints: [] }))).rejects.toThrow(/endpoints/);
    await expect(runLoad(base(1, { rps: 1e6, durationSec: 3600 }))).rejects.toThrow(/rps/);
  });

  it('checks what lands on the wire: unique names, header names and values, no framing headers', async () => {
    const ep = { name: 'a', path: '/', weight: 1 };
    await expect(runLoad(base(1, { endpoints: [ep, ep] }))).rejects.toThrow(/endpoints\[1\]\.name/);
    await expect(runLoad(base(1, { endpoints: [{ ...ep, headers: { 'X-A': 'x\r\nEvil: 1' } }] }))).rejects.toThrow(
      /endpoints\[0\]\.headers\.X-A/,
    );
    await expect(runLoad(base(1, { endpoints: [{ ...ep, headers: { 'Transfer-Encoding': 'chunked' } }] }))).rejects.toThrow(InputError);
    await expect(runLoad(base(1, { endpoints: [{ ...ep, status: 99 }] }))).rejects.toThrow(/endpoints\[0\]\.status/);
  });

  it('builds the canary request bytes as before, and frames bodies in UTF-8', () => {
    expect(requestBytes({ name: 'h', path: '/health', weight: 1 }, '10.0.0.2:80').toString('latin1')).toBe(
      'GET /health HTTP/1.1\r\nHost: 10.0.0.2:80\r\nUser-Agent: kiln-load\r\nAccept: */*\r\n\r\n',
    );
    const put = requestBytes({ name: 'p', path: '/x', weight: 1, method: 'PUT', body: 'é', headers: { host: 'app.example' } }, 'h:80');
    expect(put.toString('utf8')).toBe(
      'PUT /x HTTP/1.1\r\nhost: app.example\r\nUser-Agent: kiln-load\r\nAccept: */*\r\nContent-Length: 2\r\n\r\né',
    );
    expect(requestBytes({ name: 'd', path: '/x', weight: 1, method: 'PATCH' }, 'h').toString()).toContain('Content-Length: 0');
  });

  it('spreads the weighted mix smoothly and deterministically', () => {
    const m = new Mix([3, 1]);
    const seq = Array.from({ length: 8 }, () => m.next());
    expect(seq).toEqual([0, 0, 1, 0, 0, 0, 1, 0]);
  });
});
