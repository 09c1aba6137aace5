/** tune(): tier + recipe -> memory budget -> settings for every service, each with its reason. Pure. */
import { TierTooSmallError } from '../errors.ts';
import type { Tier } from '../tiers.ts';
import type { Recipe, ServiceName } from '../web.ts';
import {
  ceilingMiB,
  computeBudget,
  gunicornMiB,
  nginxMiB,
  osReserveMiB,
  pgbouncerMiB,
  postgresMiB,
  redisMiB,
  type Budget,
} from './budget.ts';
import { COSTS, type OsShare } from './costs.ts';
import { DISTROS } from '../distro.ts';
import { MAX_THREADS, tuneGunicorn, type GunicornSettings } from './gunicorn.ts';
import { tuneKernel, type KernelSettings } from './kernel.ts';
import { tuneNginx, type NginxSettings } from './nginx.ts';
import { tunePgbouncer, type PgbouncerSettings } from './pgbouncer.ts';
import { postgresShape, tunePostgres, type PostgresSettings } from './postgres.ts';
import { tuneRedis, type RedisSettings } from './redis.ts';
import { broken } from './rules.ts';
import { clamp, reasonsOf, valuesOf } from './setting.ts';

/** Settings of every service the recipe runs: a service left out (an external database, no cache) has none. */
export interface TunedSettings {
  postgres?: PostgresSettings;
  pgbouncer?: PgbouncerSettings;
  redis?: RedisSettings;
  gunicorn: GunicornSettings;
  nginx: NginxSettings;
  kernel: KernelSettings;
}

export interface Tuned {
  tier: Tier;
  budget: Budget;
  settings: TunedSettings;
}

/** How the memory left after fixed costs is split; the rest stays free as page cache. */
export const SHARES = { sharedBuffers: 0.35, redis: 0.2, workMem: 0.2, maintenance: 0.1 } as const;
/**
 * What the other services keep of the memory the app server could take: with the whole stack gunicorn may use 40%;
 * a service the recipe leaves out gives its share to the app.
 */
export const RESERVED_SHARES: Partial<Record<ServiceName, number>> = { postgres: 0.45, redis: 0.15 };

/** How far the app server's share may grow for a heavy app, and the page cache the worst case must still leave. */
export const APP_SHARE_STEP = 0.05;
export const MAX_APP_SHARE = 0.8;
export const minPageCacheMiB = (tier: Tier): number => Math.max(64, Math.round(tier.ramMiB * 0.1));

const slots = (t: Tuned) => t.settings.gunicorn.workers.value * t.settings.gunicorn.threads.value;
const full = (t: Tuned) =>
  t.settings.gunicorn.workers.value >= Math.max(2, t.tier.vcpus) && t.settings.gunicorn.threads.value >= MAX_THREADS;

/** `os`: the share the image's distro leaves the stack (images/distro.ts); the AMI's by default, the largest. */
export function tune(tier: Tier, recipe: Recipe, os: OsShare = DISTROS.ubuntu2404.osShare): Tuned {
  const result = fitStack(tier, recipe, os);
  if (!('tuned' in result))
    throw new TierTooSmallError(tier.name, tier.ramMiB, result.shortMiB, minimumRamMiB(tier, recipe, os), result.detail);
  // A heavy app cut to fewer workers or threads: its server's share grows while the worst case still fits and leaves
  // page cache; a process is worth a core, a thread a wait, Postgres's buffers only a cache (the rest keeps its worst case).
  let best = result.tuned;
  for (let share = baseAppShare(recipe) + APP_SHARE_STEP; !full(best) && share <= MAX_APP_SHARE + 1e-9; share += APP_SHARE_STEP) {
    const r = fitStack(tier, recipe, os, share);
    if (!('tuned' in r) || r.tuned.budget.headroomMiB < minPageCacheMiB(tier)) break;
    if (slots(r.tuned) > slots(best)) best = r.tuned;
  }
  return best;
}

/** The app server's share of the memory left after the OS: what the other services the recipe runs do not keep. */
const baseAppShare = (recipe: Recipe): number =>
  1 - Object.entries(RESERVED_SHARES).reduce((sum, [svc, share]) => sum + (recipe.services.includes(svc as ServiceName) ? share : 0), 0);

/** The smallest RAM (in 16 MiB steps) at which the stack's worst case fits this tier's shape. */
function minimumRamMiB(tier: Tier, recipe: Recipe, os: OsShare): number {
  let lo = tier.ramMiB,
    hi = tier.ramMiB * 2;
  while (!('tuned' in fitStack({ ...tier, ramMiB: hi }, recipe, os))) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 16) {
    const mid = Math.floor((lo + hi) / 32) * 16;
    if ('tuned' in fitStack({ ...tier, ramMiB: mid }, recipe, os)) hi = mid;
    else lo = mid;
  }
  return hi;
}

type Attempt = { tuned: Tuned } | { shortMiB: number; detail: string };

/**
 * When the minimums (work_mem, maintenance_work_mem, the pool's backends) overflow the ceiling, the two caches give
 * way first: shared_buffers and Redis's maxmemory are sized from less, down to their floors, before a tier is refused.
 */
function fitStack(tier: Tier, recipe: Recipe, os: OsShare, capShare = baseAppShare(recipe)): Attempt {
  let r = attempt(tier, recipe, os, capShare);
  for (let cacheCutMiB = 0, tries = 0; !('tuned' in r) && tries < 8; tries++) {
    cacheCutMiB += Math.ceil(r.shortMiB / (SHARES.sharedBuffers + SHARES.redis)) + 1;
    const next = attempt(tier, recipe, os, capShare, cacheCutMiB);
    if (!('tuned' in next) && next.shortMiB >= r.shortMiB) break;
    r = next;
  }
  return r;
}

function attempt(tier: Tier, recipe: Recipe, os: OsShare, capShare = baseAppShare(recipe), cacheCutMiB = 0): Attempt {
  const app = recipe.app;
  const has = (svc: ServiceName) => recipe.services.includes(svc);
  const appMiB = ceilingMiB(tier) - osReserveMiB(tier, os);
  const gunicorn = tuneGunicorn(tier, app, Math.floor(appMiB * capShare));
  const pgbouncer = has('pgbouncer') ? tunePgbouncer(tier, gunicorn) : undefined;
  const nginx = tuneNginx(tier, gunicorn);
  const shape = has('postgres') && pgbouncer ? postgresShape(tier, pgbouncer) : undefined;
  const backends = shape ? shape.maxConnections + shape.parallelWorkers : 0;
  const pgFixed = shape
    ? postgresMiB({
        max_connections: shape.maxConnections,
        max_parallel_workers: shape.parallelWorkers,
        shared_buffers_mib: 0,
        wal_buffers_mib: 0,
        work_mem_kib: 0,
        hash_mem_multiplier: 1,
        maintenance_work_mem_mib: 0,
        autovacuum_max_workers: 0,
      })
    : 0;
  const fixed =
    gunicornMiB(gunicorn, app) + nginxMiB(nginx) + (pgbouncer ? pgbouncerMiB(pgbouncer) : 0) + (has('redis') ? redisMiB(0) : 0) + pgFixed;
  const free = Math.max(0, appMiB - fixed);

  // shared_buffers carries wal_buffers (1/32) inside its share; both caches are sized from less when `fit` cuts them.
  const cacheFree = Math.max(0, free - cacheCutMiB);
  const sharedBuffersMiB = clamp(Math.floor((cacheFree * SHARES.sharedBuffers * 32) / 33), 16, Math.floor(tier.ramMiB / 4));
  const maxmemoryMiB = Math.max(8, Math.floor((cacheFree * SHARES.redis) / (1 + COSTS.redisOverheadPct / 100)));
  const nodeFactor = COSTS.pgNodesPerQuery - 1 + COSTS.pgHashMemMultiplier;
  const workMemKiB = clamp(Math.floor((free * SHARES.workMem * 1024) / (Math.max(1, backends) * nodeFactor) / 64) * 64, 1024, 262144);
  const maintenanceMiB = clamp(Math.floor((free * SHARES.maintenance) / ((shape?.autovacuumWorkers ?? 0) + 1)), 8, 2048);

  const redis = has('redis') ? tuneRedis(maxmemoryMiB, gunicorn) : undefined;
  const kernel = tuneKernel(tier, nginx, pgbouncer, redis);
  const memory = { sharedBuffersMiB, workMemKiB, maintenanceMiB, effectiveCacheMiB: sharedBuffersMiB };
  const pgOf = (effectiveCacheMiB: number) =>
    shape && pgbouncer ? { postgres: tunePostgres(tier, pgbouncer, shape, { ...memory, effectiveCacheMiB }) } : {};
  const settings: TunedSettings = {
    ...pgOf(sharedBuffersMiB),
    ...(pgbouncer ? { pgbouncer } : {}),
    ...(redis ? { redis } : {}),
    gunicorn,
    nginx,
    kernel,
  };
  const budget = computeBudget(tier, app, settings, os);
  const used = budget.osReserveMiB + Object.values(budget.components).reduce((a, b) => a + b, 0);
  if (used > budget.ceilingMiB) {
    return {
      shortMiB: Math.ceil(used - budget.ceilingMiB),
      detail: `worst case ${Math.ceil(used)} MiB with minimum settings vs a ceiling of ${budget.ceilingMiB} MiB (${tier.slo.memoryCeilingPct}% of ${tier.ramMiB})`,
    };
  }
  // The page cache the worst case leaves free is what the planner may count on.
  const tuned: Tuned = { tier, budget, settings: { ...settings, ...pgOf(sharedBuffersMiB + Math.floor(budget.headroomMiB)) } };
  const bad = broken(tuned);
  if (bad.length) throw new Error(`kiln bug: tuned ${tier.name} breaks ${bad.join('; ')}`);
  return { tuned };
}

/** The `settings` object of `kiln render --json`: plain values per service. */
export const settingValues = (s: TunedSettings) =>
  Object.fromEntries(Object.entries(s).map(([k, g]) => [k, valuesOf(g)])) as Partial<
    Record<keyof TunedSettings, Record<string, number | string | boolean>>
  > &
    Record<'gunicorn' | 'nginx' | 'kernel', Record<string, number | string | boolean>>;

export const settingReasons = (s: TunedSettings): Record<string, string> =>
  Object.assign({}, ...Object.entries(s).map(([k, g]) => reasonsOf(k, g)));
