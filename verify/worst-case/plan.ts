/**
 * Pure: what the worst-case memory phase puts on a box, sized from the settings the image was baked with (its
 * bundle's manifest), so every part runs at the limit the budget counted: never a guess from the tier's name.
 */
import type { Endpoint } from '../load/types.ts';

/** A request of the app's traffic as the phase sends it; `status` is what a correct answer has (absent: any 2xx/3xx). */
export interface WorstCaseEndpoint {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  status?: number;
}

export interface WorstCasePlan {
  holdSec: number;
  /** Absent: the image runs no Postgres. */
  postgres?: { maxConnections: number; sortRows: number; maintenanceRows: number };
  web: { port: number; hostHeader: string; concurrency: number; endpoints: WorstCaseEndpoint[] };
  nginx?: { connections: number };
  redis?: { port: number; db: number; fillMiB: number; valueBytes: number };
}

export type BundleSettings = Record<string, Record<string, number | string | boolean> | undefined>;

/** A sorted (int, md5 text) row takes ~100 bytes in a sort; four times work_mem's worth spills, so the sort uses all of it. */
const SORT_ROW_BYTES = 100;
const SORT_OVERSIZE = 4;
/** A btree build on the md5 column sorts ~64 bytes per row; twice maintenance_work_mem's worth uses all of it. */
const INDEX_ROW_BYTES = 64;
const INDEX_OVERSIZE = 2;
/** Bounds the scratch table's build under emulation (2 M rows, ~128 MiB of sort input): bigger tiers' CREATE INDEX then
 * uses less than their maintenance_work_mem, which the phase's report shows as its row count. */
export const MAX_INDEX_ROWS = 2_000_000;
/** Redis is written past maxmemory by this factor (its eviction, not the kernel, must stop it). */
export const REDIS_FILL_FACTOR = 1.25;
/** nginx's count less what the phase's own traffic takes (two per proxied request, the upstream keepalive pool) and a margin for uneven accepts across workers. */
const NGINX_MARGIN = 64;

export const DEFAULT_WORST_CASE_HOLD_SEC = 20;

const num = (s: BundleSettings, svc: string, key: string): number => {
  const v = s[svc]?.[key];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new Error(`the image's settings lack ${svc}.${key}: the worst case cannot be sized`);
  return v;
};

export function worstCasePlan(input: {
  settings: BundleSettings;
  services: readonly string[];
  endpoints: readonly Endpoint[];
  hostHeader: string;
  port: number;
  holdSec: number;
}): WorstCasePlan {
  const s = input.settings;
  const concurrency = num(s, 'gunicorn', 'workers') * num(s, 'gunicorn', 'threads');
  const nginxTotal = num(s, 'nginx', 'worker_processes') * num(s, 'nginx', 'worker_connections');
  const plan: WorstCasePlan = {
    holdSec: input.holdSec,
    web: {
      port: input.port,
      hostHeader: input.hostHeader,
      concurrency,
      endpoints: input.endpoints.map((e) => ({
        method: e.method ?? 'GET',
        path: e.path,
        ...(e.body !== undefined ? { body: e.body } : {}),
        ...(e.headers ? { headers: e.headers } : {}),
        ...(e.status !== undefined ? { status: e.status } : {}),
      })),
    },
    nginx: {
      connections: Math.max(
        0,
        nginxTotal - 2 * concurrency - num(s, 'nginx', 'worker_processes') * num(s, 'nginx', 'upstream_keepalive') - NGINX_MARGIN,
      ),
    },
  };
  if (input.services.includes('postgres')) {
    plan.postgres = {
      maxConnections: num(s, 'postgres', 'max_connections'),
      sortRows: Math.ceil((num(s, 'postgres', 'work_mem_kib') * 1024 * SORT_OVERSIZE) / SORT_ROW_BYTES),
      maintenanceRows: Math.min(
        MAX_INDEX_ROWS,
        Math.ceil((num(s, 'postgres', 'maintenance_work_mem_mib') * 2 ** 20 * INDEX_OVERSIZE) / INDEX_ROW_BYTES),
      ),
    };
  }
  if (input.services.includes('redis')) {
    plan.redis = {
      port: num(s, 'redis', 'port'),
      db: 15,
      fillMiB: Math.ceil(num(s, 'redis', 'maxmemory_mib') * REDIS_FILL_FACTOR),
      valueBytes: 4096,
    };
  }
  return plan;
}
