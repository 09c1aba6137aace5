import type { Histogram } from 'hdr-histogram-js';
import { encode, newHistogram, percentiles, recordMs } from './hist.ts';
import type { Endpoint, ErrorCounts, PhaseResult, SecondSample } from './types.ts';
import type { ErrorKind } from './conn.ts';

const zeroErrors = (): ErrorCounts => ({ connect: 0, timeout: 0, reset: 0, status5xx: 0, status4xx: 0, protocol: 0 });

/** Counters and histograms of one window, keyed by intended send time. */
export class PhaseRecorder {
  scheduled = 0;
  sent = 0;
  responses = 0;
  ok = 0;
  late = 0;
  dropped = 0;
  readonly errors = zeroErrors();
  readonly latency: Histogram = newHistogram();
  readonly sendLag: Histogram = newHistogram(2);
  private readonly perEndpoint: { h: Histogram; responses: number; errors: number }[];

  constructor(readonly name: 'warmup' | 'measure', private readonly endpoints: Endpoint[]) {
    this.perEndpoint = endpoints.map(() => ({ h: newHistogram(2), responses: 0, errors: 0 }));
  }

  response(endpoint: number, latencyMs: number, status: number): void {
    this.responses++;
    recordMs(this.latency, latencyMs);
    const e = this.perEndpoint[endpoint];
    e.responses++;
    recordMs(e.h, latencyMs);
    if (status >= 500) { this.errors.status5xx++; e.errors++; }
    else if (status >= 400) { this.errors.status4xx++; e.errors++; }
    else this.ok++;
  }

  error(endpoint: number, kind: ErrorKind): void {
    this.errors[kind]++;
    this.perEndpoint[endpoint].errors++;
  }

  result(durationSec: number, targetRps: number): PhaseResult {
    const errorTotal = Object.values(this.errors).reduce((a, b) => a + b, 0);
    const lag = percentiles(this.sendLag);
    return {
      name: this.name,
      durationSec,
      targetRps,
      scheduled: this.scheduled,
      sent: this.sent,
      achievedRps: durationSec > 0 ? Math.round((this.responses / durationSec) * 10) / 10 : 0,
      responses: this.responses,
      ok: this.ok,
      errors: { ...this.errors },
      errorTotal,
      errorRate: this.scheduled > 0 ? errorTotal / this.scheduled : 0,
      late: this.late,
      dropped: this.dropped,
      sendLagP99Ms: lag.p99Ms,
      sendLagMaxMs: lag.maxMs,
      latency: percentiles(this.latency),
      byEndpoint: this.endpoints.map((ep, i) => {
        const p = percentiles(this.perEndpoint[i].h);
        return { name: ep.name, path: ep.path, responses: this.perEndpoint[i].responses, errors: this.perEndpoint[i].errors, p50Ms: p.p50Ms, p95Ms: p.p95Ms, p99Ms: p.p99Ms };
      }),
      histogramBase64: encode(this.latency),
    };
  }
}

/** Per-second samples by event time; events arrive in time order, so one rolling bucket suffices. */
export class Series {
  readonly samples: SecondSample[] = [];
  private sec = 0;
  private cur = Series.empty(0);
  private readonly h = newHistogram(2);

  constructor(private readonly t0: number, private readonly warmupSec: number, private readonly endSec: number) {}

  private static empty(tSec: number): Omit<SecondSample, 'phase' | 'p50Ms' | 'p95Ms' | 'p99Ms' | 'maxMs'> {
    return { tSec, sent: 0, completed: 0, errors: 0, late: 0, dropped: 0 };
  }

  /** rolls the bucket forward to the second of `nowMs` and returns it */
  at(nowMs: number) {
    const s = Math.max(0, Math.floor((nowMs - this.t0) / 1000));
    while (this.sec < s) this.flush();
    return this.cur;
  }

  completed(nowMs: number, latencyMs: number): void {
    this.at(nowMs).completed++;
    recordMs(this.h, latencyMs);
  }

  private flush(): void {
    const p = percentiles(this.h);
    const t = this.cur.tSec;
    const phase = t < this.warmupSec ? 'warmup' : t < this.endSec ? 'measure' : 'drain';
    this.samples.push({ ...this.cur, phase, p50Ms: p.p50Ms, p95Ms: p.p95Ms, p99Ms: p.p99Ms, maxMs: p.maxMs });
    this.h.reset();
    this.sec++;
    this.cur = Series.empty(this.sec);
  }

  /** closes the last (partial) second */
  close(nowMs: number): SecondSample[] {
    this.at(nowMs);
    if (this.cur.sent + this.cur.completed + this.cur.errors + this.cur.dropped > 0) this.flush();
    return this.samples;
  }
}
