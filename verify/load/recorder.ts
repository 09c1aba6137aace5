import type { Histogram } from 'hdr-histogram-js';
import { encode, newHistogram, percentiles, recordMs } from './hist.ts';
import type { Endpoint, ErrorCounts, PhaseResult, SecondSample } from './types.ts';
import type { ErrorKind } from './conn.ts';

const zeroErrors = (): ErrorCounts => ({ connect: 0, timeout: 0, reset: 0, status5xx: 0, status4xx: 0, protocol: 0, unexpectedStatus: 0 });

interface EndpointCounts {
  h: Histogram;
  scheduled: number;
  responses: number;
  errors: number;
  statuses: Record<string, number>;
}

/** Which error a response is, or null when it is the answer the endpoint expects. */
export function statusError(status: number, expected: number | undefined): 'status5xx' | 'status4xx' | 'unexpectedStatus' | null {
  if (expected !== undefined ? status === expected : status < 400) return null;
  return status >= 500 ? 'status5xx' : status >= 400 ? 'status4xx' : 'unexpectedStatus';
}

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
  private readonly perEndpoint: EndpointCounts[];

  constructor(
    readonly name: 'warmup' | 'measure',
    private readonly endpoints: Endpoint[],
  ) {
    this.perEndpoint = endpoints.map(() => ({ h: newHistogram(2), scheduled: 0, responses: 0, errors: 0, statuses: {} }));
  }

  schedule(endpoint: number): void {
    this.scheduled++;
    this.perEndpoint[endpoint].scheduled++;
  }

  /** Records a response; true when its status is the one the endpoint expects. */
  response(endpoint: number, latencyMs: number, status: number): boolean {
    this.responses++;
    recordMs(this.latency, latencyMs);
    const e = this.perEndpoint[endpoint];
    e.responses++;
    e.statuses[status] = (e.statuses[status] ?? 0) + 1;
    recordMs(e.h, latencyMs);
    const kind = statusError(status, this.endpoints[endpoint].status);
    if (kind === null) {
      this.ok++;
      return true;
    }
    this.errors[kind]++;
    e.errors++;
    return false;
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
        const c = this.perEndpoint[i];
        const p = percentiles(c.h);
        return {
          name: ep.name,
          path: ep.path,
          method: ep.method ?? 'GET',
          expectedStatus: ep.status ?? null,
          scheduled: c.scheduled,
          responses: c.responses,
          errors: c.errors,
          statuses: { ...c.statuses },
          p50Ms: p.p50Ms,
          p95Ms: p.p95Ms,
          p99Ms: p.p99Ms,
        };
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

  constructor(
    private readonly t0: number,
    private readonly warmupSec: number,
    private readonly endSec: number,
  ) {}

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
