/** The rules kiln is measured against, as their authors state them (pure data and arithmetic). */
import type { Tier } from '../tiers.ts';

export interface PgAnchor {
  max_connections: number;
  shared_buffers_mib: number;
  effective_cache_size_mib: number;
  maintenance_work_mem_mib: number;
  work_mem_kib: number;
}

/** PGTune, "web application" profile on SSD: 200 connections, RAM/4 buffers, work_mem with its 4 MB floor. */
export function pgtuneWeb(tier: Tier): PgAnchor {
  const conns = 200;
  const sb = Math.floor(tier.ramMiB / 4);
  const gather = tier.vcpus >= 4 ? Math.min(4, Math.ceil(tier.vcpus / 2)) : 1;
  const workMemKiB = Math.floor(((tier.ramMiB - sb) * 1024) / (conns * 3) / gather);
  return {
    max_connections: conns,
    shared_buffers_mib: sb,
    effective_cache_size_mib: Math.floor((tier.ramMiB * 3) / 4),
    maintenance_work_mem_mib: Math.min(2048, Math.floor(tier.ramMiB / 16)),
    work_mem_kib: Math.max(4096, workMemKiB),
  };
}

/** Gunicorn's documented starting point. */
export const gunicornDocsWorkers = (tier: Tier) => 2 * tier.vcpus + 1;

/** Heroku's WEB_CONCURRENCY rule of thumb. */
export const herokuWorkers = (tier: Tier) => Math.max(1, Math.min(2 * tier.vcpus + 1, Math.floor(tier.ramMiB / 256)));

/** What the seed deployments (five teams' stacks, configured by hand) set, keyed by the tier they run on. */
export const SEEDS: Record<string, { source: string; pg: Partial<PgAnchor>; gunicorn: string; pgbouncer: string; redis: string }> = {
  nano: {
    source: 'seed 001/003 (512 MB, 2 vCPU)',
    pg: { max_connections: 50, shared_buffers_mib: 128, work_mem_kib: 2600 },
    gunicorn: '2 workers x 2 gthreads, max_requests 1000',
    pgbouncer: 'transaction, pool 10, max_client_conn 100',
    redis: 'maxmemory 50mb allkeys-lru',
  },
  micro: {
    source: 'seed 004 (t2.micro, 1 GB + 2 GB swap)',
    pg: {},
    gunicorn: '2 sync workers, timeout 120',
    pgbouncer: 'none',
    redis: 'none',
  },
};
