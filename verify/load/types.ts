/**
 * The load generator's contract: what a caller asks for (LoadSpec, CapacitySpec) and what the
 * verdict embeds (LoadResult, CapacityResult). Everything here is plain JSON-serialisable data.
 *
 * Latency is measured from each request's INTENDED send time (t0 + i/rate), never from the moment
 * it actually left: a stalled server or a queue inside the generator shows up as latency instead
 * of silently thinning the sample (coordinated omission). Times are in ms unless the name says so.
 */

export type LoadMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One weighted endpoint of the scenario mix (e.g. `/health` weight 4, `/db` weight 2). */
export interface Endpoint {
  /** unique within the mix: reports and per-endpoint thresholds are keyed by it */
  name: string;
  path: string;
  /** relative share of requests; integers or fractions, must be > 0 */
  weight: number;
  method?: LoadMethod;
  /** sent as UTF-8 with its Content-Length */
  body?: string;
  /** override the generator's Host/User-Agent/Accept by name (case-insensitive); Content-Length is always computed */
  headers?: Record<string, string>;
  /** the status a correct answer has: any other is an error; absent = any 2xx/3xx is ok */
  status?: number;
  /** per-endpoint latency limits, judged on top of the tier's SLO */
  p95Ms?: number;
  p99Ms?: number;
}

/** Limits beyond which the run says the generator, not the server, was measured. */
export interface ValidityLimits {
  /** share of judged sends the scheduler reached more than lateToleranceMs behind schedule (default 0.01) */
  maxLateFraction: number;
  /** share of judged sends dropped: no free connection within lateToleranceMs (default 0.001) */
  maxDroppedFraction: number;
  /** generator CPU over the judged window, as a share of one core (default 0.85) */
  maxCpuShare: number;
  /** this many late or dropped sends are always tolerated, so one hiccup in a short run is not a verdict (default 2) */
  graceCount: number;
}

export interface LoadSpec {
  host: string;
  port: number;
  /** value of the Host header; defaults to host:port */
  hostHeader?: string;
  endpoints: Endpoint[];
  /** target rate of the whole mix, requests per second */
  rps: number;
  /** excluded from the judged window; sends continue on the same schedule across the boundary */
  warmupSec: number;
  durationSec: number;
  /** upper bound of open keep-alive connections (the pool) */
  maxConnections: number;
  /** connections opened before t0 so the first sends do not pay for the handshake */
  preconnect?: number;
  /** a request in flight longer than this is aborted and counted as a timeout */
  timeoutMs: number;
  /** a send the scheduler reaches this far behind its intended time is late; one that then finds no connection within it is dropped */
  lateToleranceMs?: number;
  validity?: Partial<ValidityLimits>;
  /** hard stop for requests, whatever rps × duration says */
  maxRequests?: number;
}

/** Errors by kind; a response with any status is not an error of the transport. */
export interface ErrorCounts {
  connect: number;
  timeout: number;
  reset: number;
  status5xx: number;
  status4xx: number;
  protocol: number;
  /** a status below 400 other than the endpoint's expected one (e.g. a 302 where 200 was expected) */
  unexpectedStatus: number;
}

export interface Percentiles {
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

/** One second of the run, bucketed by completion time (for latency-over-time plots). */
export interface SecondSample {
  /** seconds since t0 (start of warm-up) */
  tSec: number;
  phase: 'warmup' | 'measure' | 'drain';
  sent: number;
  /** responses (any status) completed in this second: the achieved rate */
  completed: number;
  errors: number;
  late: number;
  dropped: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface EndpointSummary {
  name: string;
  path: string;
  method: LoadMethod;
  /** the endpoint's expected status; null = any 2xx/3xx was ok */
  expectedStatus: number | null;
  /** requests of this endpoint scheduled in the window: the denominator of its error share */
  scheduled: number;
  responses: number;
  /** every kind: transport errors and responses with a wrong status */
  errors: number;
  /** status code -> responses with it, so a report can say "expected 201, got 403 x120" */
  statuses: Record<string, number>;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** A window of the run (warm-up or the judged measure window), classified by intended send time. */
export interface PhaseResult {
  name: 'warmup' | 'measure';
  durationSec: number;
  targetRps: number;
  /** requests scheduled in this window */
  scheduled: number;
  sent: number;
  /** responses received (any status) / durationSec */
  achievedRps: number;
  responses: number;
  /** responses with the endpoint's expected status (2xx/3xx when it has none) */
  ok: number;
  errors: ErrorCounts;
  errorTotal: number;
  /** errorTotal / scheduled (dropped sends are not counted here: they invalidate the run instead) */
  errorRate: number;
  late: number;
  dropped: number;
  /** how far behind schedule sends actually left */
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  /** latency from the intended send time, responses of any status */
  latency: Percentiles;
  byEndpoint: EndpointSummary[];
  /** HdrHistogram (µs) in the standard compressed base64 form: decodeFromCompressedBase64() */
  histogramBase64: string;
}

export interface GeneratorUsage {
  /** user+system CPU over the judged window / its wall time; 1.0 = one full core */
  cpuShare: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** CPUs this process may run on (from /proc/self/status), e.g. "1" or "0-1" */
  cpusAllowed: string;
  /** peak connections open at once */
  peakConnections: number;
  connectionsOpened: number;
  eventLoopDelayP99Ms: number;
}

export interface LoadResult {
  schemaVersion: 1;
  tool: 'kiln-load';
  target: { host: string; port: number };
  spec: {
    rps: number;
    warmupSec: number;
    durationSec: number;
    maxConnections: number;
    timeoutMs: number;
    lateToleranceMs: number;
    endpoints: Endpoint[];
  };
  startedAt: string;
  /** [warm-up, measure]; the verdict judges `measure` */
  phases: PhaseResult[];
  measure: PhaseResult;
  generator: GeneratorUsage;
  limits: ValidityLimits;
  /** false when the generator could not keep up or the run is empty: such a run must never pass */
  valid: boolean;
  invalidReasons: string[];
  series: SecondSample[];
}

/** What a capacity step must hold to count as good. */
export interface Slo {
  p95Ms: number;
  p99Ms: number;
  /** share of scheduled requests allowed to fail, e.g. 0.001 */
  maxErrorRate: number;
}

export interface CapacitySpec {
  base: Omit<LoadSpec, 'rps'>;
  slo: Slo;
  startRps: number;
  /** geometric growth of the ramp, e.g. 2 */
  growth: number;
  maxRps: number;
  /** bisection stops when bad/good ≤ 1 + this, e.g. 0.1 */
  resolution: number;
  /** the whole search, warm-ups included, stops starting new steps past this */
  budgetSec: number;
  /** a bad step is re-run this many times and counts as bad only if every run is bad (default 1) */
  confirmBad?: number;
  /** pool size for a step at this rate (default: base.maxConnections) */
  connectionsFor?: (rps: number) => number;
}

export interface CapacityStep {
  stage: 'ramp' | 'bisect';
  rps: number;
  /** 0 for the first run at this rate, 1.. for confirmation re-runs of a bad result */
  attempt: number;
  good: boolean;
  /** why a step is bad: SLO breaches and invalid-run reasons */
  why: string[];
  valid: boolean;
  achievedRps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  errorRate: number;
  cpuShare: number;
  late: number;
  dropped: number;
}

export interface CapacityResult {
  schemaVersion: 1;
  slo: Slo;
  /** highest rate that held the SLO in a valid run; 0 if none did */
  maxGoodRps: number;
  /** lowest rate seen to break (null if the ramp never broke) */
  firstBadRps: number | null;
  /** what ended the search: the SLO, an exhausted pool (dropped sends: the server's latency × rate outgrew
   *  the pool), the generator (late/CPU: the figure is a floor), maxRps, the time budget, or no good step */
  limitedBy: 'slo' | 'pool' | 'generator' | 'maxRps' | 'budget' | 'none-good';
  steps: CapacityStep[];
  elapsedSec: number;
}
