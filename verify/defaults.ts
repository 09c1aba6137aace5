/** Data defaults for a verify run against the canary app: the scenario mix and the load shape per tier SLO. */
import type { Slo } from '../images/tiers.ts';
import type { Endpoint } from './load/types.ts';
import type { LoadBase } from './run.ts';
import type { Lineage } from './verdict.ts';

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

export function canaryLoad(address: string, slo: Slo, shape: LoadShape = DEFAULT_LOAD_SHAPE, port = 80): LoadBase {
  return { host: address, port, endpoints: [...CANARY_MIX], maxConnections: connectionsFor(slo.targetRps, slo), ...shape };
}

/** The lineage a local image records in its manifest (targets/local ImageManifest), structurally typed. */
export function lineageFromLocalImage(m: { base: { suite: string; key: string }; packages: Record<string, string>; bundle: { manifestSha256: string } }): Lineage {
  return { baseImage: `debian ${m.base.suite} (${m.base.key})`, packageVersions: { ...m.packages }, renderManifestSha256: m.bundle.manifestSha256 };
}
