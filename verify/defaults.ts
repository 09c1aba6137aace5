/** Data defaults for a verify run against the canary app: the scenario mix and the load shape per tier SLO. */
import type { Slo } from '../images/tiers.ts';
import type { Endpoint } from './load/types.ts';
import type { LoadBase } from './run.ts';
import type { AppProfile, Traffic } from '../images/web.ts';
import type { AppMemoryProfile, ImageLayer, Lineage } from './verdict.ts';

/** The canary endpoints, weighted like a typical page mix: cheap health, DB, cache, static. */
export const CANARY_MIX: readonly Endpoint[] = [
  { name: 'health', path: '/health', weight: 4 },
  { name: 'db', path: '/db', weight: 2 },
  { name: 'cache', path: '/cache', weight: 2 },
  { name: 'static', path: '/static/canary.css', weight: 2 },
];

export interface LoadShape { warmupSec: number; durationSec: number; timeoutMs: number }
export const DEFAULT_LOAD_SHAPE: LoadShape = { warmupSec: 10, durationSec: 30, timeoutMs: 5000 };

/** Pool size by Little's law at the p99 target, doubled for bursts, kept within [16, 1024]. */
export const connectionsFor = (rps: number, slo: Slo): number =>
  Math.min(1024, Math.max(16, Math.ceil(rps * (slo.p99Ms / 1000) * 2)));

/** The rate the recipe's traffic asks for, else the tier's. */
export const targetRpsFor = (slo: Slo, traffic: Traffic | null): number => traffic?.targetRps ?? slo.targetRps;

/** The recipe's traffic as load endpoints (the canary mix when it has none). */
export function trafficLoad(address: string, traffic: Traffic | null, slo: Slo, shape: LoadShape = DEFAULT_LOAD_SHAPE, port = 80): LoadBase {
  if (!traffic) return canaryLoad(address, slo, shape, port);
  const endpoints: Endpoint[] = traffic.endpoints.map((e) => ({
    name: e.name, path: e.path, weight: e.weight, method: e.method as Endpoint['method'],
    ...(e.body !== undefined ? { body: e.body } : {}), ...(e.headers ? { headers: e.headers } : {}),
  }));
  const rps = targetRpsFor(slo, traffic);
  return { host: address, port, endpoints, maxConnections: connectionsFor(rps, slo), ...shape };
}

export function canaryLoad(address: string, slo: Slo, shape: LoadShape = DEFAULT_LOAD_SHAPE, port = 80): LoadBase {
  return { host: address, port, endpoints: [...CANARY_MIX], maxConnections: connectionsFor(slo.targetRps, slo), ...shape };
}

/** The lineage a local image records in its manifest (targets/local ImageManifest), structurally typed. */
export function lineageFromLocalImage(m: { base: { suite: string; key: string }; packages: Record<string, string>; bundle: { manifestSha256: string }; layers?: ImageLayer[] }): Lineage {
  const base = m.layers?.find((l) => l.kind === 'base');
  return {
    baseImage: base ? `${base.ref} (debian ${m.base.suite})` : `debian ${m.base.suite} (${m.base.key})`,
    packageVersions: { ...m.packages }, renderManifestSha256: m.bundle.manifestSha256,
    ...(m.layers ? { layers: m.layers } : {}),
  };
}

/** The memory figures an image's recipe tuned it to (its lineage's app profile). */
export const appProfileOf = (app: AppProfile): AppMemoryProfile => ({
  workerPrivateMiB: app.workerPrivateMiB, threadMiB: app.threadMiB, workerGrowthMiB: app.workerGrowthMiB, masterMiB: app.masterMiB, source: app.profileSource,
});
