import { InputError } from '../../images/errors.ts';
import { checkEndpoints } from './endpoint.ts';
import type { LoadSpec, ValidityLimits } from './types.ts';

/** A send this far behind its schedule is late; too many late sends make the run invalid (the generator, not the box, was slow). */
export const LATE_TOLERANCE_MS = 10;

export const DEFAULT_LIMITS: ValidityLimits = { maxLateFraction: 0.01, maxDroppedFraction: 0.001, maxCpuShare: 0.85, graceCount: 2 };
/** a run never schedules more than this, whatever rps × duration says */
export const MAX_REQUESTS = 5_000_000;
export const MAX_RUN_SEC = 3600;

export interface ResolvedSpec extends Required<Omit<LoadSpec, 'validity' | 'hostHeader'>> {
  hostHeader: string;
  limits: ValidityLimits;
  /** requests in the whole schedule (warm-up + measure) */
  total: number;
}

/** Checks a LoadSpec and fills defaults; throws InputError (exit 2) naming the field. */
export function resolveSpec(s: LoadSpec): ResolvedSpec {
  const num = (field: string, v: unknown, min: number, max: number, what: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new InputError(field, v, `a number in [${min}, ${max}]`, what);
    }
  };
  if (typeof s.host !== 'string' || s.host === '') throw new InputError('host', s.host, 'a host name or IP', 'give the target host');
  num('port', s.port, 1, 65535, 'give the target TCP port');
  num('rps', s.rps, 0.1, 1_000_000, 'give a positive target rate');
  num('warmupSec', s.warmupSec, 0, MAX_RUN_SEC, 'give a warm-up in seconds (0 for none)');
  num('durationSec', s.durationSec, 0.1, MAX_RUN_SEC, 'give the judged window in seconds');
  num('maxConnections', s.maxConnections, 1, 10_000, 'size the pool for rps × worst latency');
  num('timeoutMs', s.timeoutMs, 1, 600_000, 'give a per-request timeout in ms');
  checkEndpoints(s.endpoints);
  const limits = { ...DEFAULT_LIMITS, ...s.validity };
  const total = Math.ceil(s.rps * (s.warmupSec + s.durationSec));
  const maxRequests = s.maxRequests ?? MAX_REQUESTS;
  if (total > maxRequests) {
    throw new InputError('rps', s.rps, `rps × (warmupSec + durationSec) ≤ ${maxRequests} requests`, 'lower the rate or shorten the run');
  }
  if (s.warmupSec + s.durationSec > MAX_RUN_SEC) {
    throw new InputError('durationSec', s.durationSec, `warmupSec + durationSec ≤ ${MAX_RUN_SEC}`, 'shorten the run');
  }
  return {
    host: s.host,
    port: s.port,
    hostHeader: s.hostHeader ?? `${s.host}:${s.port}`,
    endpoints: s.endpoints,
    rps: s.rps,
    warmupSec: s.warmupSec,
    durationSec: s.durationSec,
    maxConnections: s.maxConnections,
    preconnect: Math.min(s.preconnect ?? Math.min(s.maxConnections, 8), s.maxConnections),
    timeoutMs: s.timeoutMs,
    lateToleranceMs: s.lateToleranceMs ?? LATE_TOLERANCE_MS,
    maxRequests,
    limits,
    total,
  };
}
