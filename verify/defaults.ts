/** Data defaults for a verify run: the canary mix or a recipe's traffic, and the load shape per tier SLO. */
import { InputError } from '../images/errors.ts';
import type { Slo } from '../images/tiers.ts';
import type { Traffic, TrafficEndpoint } from '../images/web.ts';
import { checkEndpoints } from './load/endpoint.ts';
import type { Endpoint } from './load/types.ts';
import type { LoadBase } from './run.ts';

/** The canary endpoints, weighted like a typical page mix: cheap health, DB, cache, static. */
export const CANARY_MIX: readonly Endpoint[] = [
  { name: 'health', path: '/health', weight: 4 },
  { name: 'db', path: '/db', weight: 2 },
  { name: 'cache', path: '/cache', weight: 2 },
  { name: 'static', path: '/static/canary.css', weight: 2 },
];

export interface LoadShape {
  warmupSec: number;
  durationSec: number;
  timeoutMs: number;
}
export const DEFAULT_LOAD_SHAPE: LoadShape = { warmupSec: 10, durationSec: 30, timeoutMs: 5000 };

/**
 * Pool size by Little's law at the p99 target, doubled for bursts, kept within [16, 1024]. An endpoint
 * allowed a slower p99 than the tier's may hold its connections that long, so the pool is sized for it.
 */
export const connectionsFor = (rps: number, slo: Slo, endpoints: readonly Endpoint[] = []): number => {
  const p99Ms = Math.max(slo.p99Ms, ...endpoints.map((e) => e.p99Ms ?? 0));
  return Math.min(1024, Math.max(16, Math.ceil(rps * (p99Ms / 1000) * 2)));
};

/**
 * The Host header the load sends: the recipe's first domain (an app that answers only for its own host, as Django's
 * ALLOWED_HOSTS and multi-domain apps do), `www.` under a leading wildcard; none without domains (address:port).
 */
export function hostHeaderFor(domains: readonly string[]): string | undefined {
  const d = domains.find((x) => !x.startsWith('*.')) ?? domains[0];
  return d === undefined ? undefined : d.startsWith('*.') ? `www.${d.slice(2)}` : d;
}

export function canaryLoad(address: string, slo: Slo, shape: LoadShape = DEFAULT_LOAD_SHAPE, port = 80): LoadBase {
  return { host: address, port, endpoints: [...CANARY_MIX], maxConnections: connectionsFor(slo.targetRps, slo), ...shape };
}

/** The rate a run is judged at: the recipe's traffic's own when it sets one, else the tier's. */
export const targetRpsFor = (slo: Slo, traffic: Traffic | null): number => traffic?.targetRps ?? slo.targetRps;

/** A recipe endpoint as the generator sends it; limits and the expected status travel with it to the verdict. */
export function loadEndpoint(t: TrafficEndpoint): Endpoint {
  const e: Endpoint = { name: t.name || `${t.method} ${t.path}`, path: t.path, weight: t.weight, method: t.method, status: t.status };
  if (t.body !== undefined) e.body = t.body;
  if (t.headers !== undefined) e.headers = { ...t.headers };
  if (t.p95Ms !== undefined) e.p95Ms = t.p95Ms;
  if (t.p99Ms !== undefined) e.p99Ms = t.p99Ms;
  return e;
}

/**
 * The judged load: the canary mix (exactly canaryLoad) without traffic, else the recipe's endpoints.
 * Throws InputError (exit 2) for traffic the generator cannot send, before anything is measured.
 */
export function trafficLoad(
  address: string,
  traffic: Traffic | null,
  slo: Slo,
  shape: LoadShape = DEFAULT_LOAD_SHAPE,
  port = 80,
): LoadBase {
  if (traffic === null) return canaryLoad(address, slo, shape, port);
  const rps = targetRpsFor(slo, traffic);
  if (!(Number.isFinite(rps) && rps > 0))
    throw new InputError(
      'traffic.targetRps',
      traffic.targetRps,
      'a positive number of requests per second',
      "give the app's rate or leave it out for the tier's",
    );
  if (!Array.isArray(traffic.endpoints))
    throw new InputError('traffic.endpoints', traffic.endpoints, 'a list of endpoints', 'list the requests to send');
  const endpoints = traffic.endpoints.map(loadEndpoint);
  checkEndpoints(endpoints, 'traffic.endpoints');
  return { host: address, port, endpoints, maxConnections: connectionsFor(rps, slo, endpoints), ...shape };
}
