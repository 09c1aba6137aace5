/** Seed 001 (a deployment configured by hand for 512 MB / 2 vCPU, as its team ran it), copied verbatim onto every tier. */
import type { Variant } from './types.ts';
import { overlay } from './types.ts';
import { STOCK } from './stock.ts';

/** What the seed sets (its §2 and §12); everything it leaves unset stays stock. */
export const SEED_OVERRIDES = {
  gunicorn: { workers: 2, threads: 2, worker_class: 'gthread', max_requests: 1000, timeout: 30, keepalive: 60 },
  postgres: {
    shared_buffers_mib: 128,
    work_mem_kib: 2600,
    max_connections: 50,
    effective_cache_size_mib: 256,
    maintenance_work_mem_mib: 32,
  },
  pgbouncer: { pool_mode: 'transaction', default_pool_size: 10, max_client_conn: 100 },
  redis: { maxmemory_mib: 50, maxmemory_policy: 'allkeys-lru' },
  nginx: { worker_processes: 'auto', worker_connections: 2048 },
};

export const seed: Variant = {
  name: 'seed',
  summary:
    'seed 001 verbatim: gunicorn 2x2 gthread, max_requests 1000; PG sb 128MB, work_mem 2600kB, 50 conns; PgBouncer tx pool 10; Redis 50mb LRU',
  values: () => overlay(STOCK, SEED_OVERRIDES),
  notes: {
    gunicorn: 'seed 001: set by hand for 512 MB / 2 vCPU',
    postgres: 'seed 001: set by hand for 512 MB / 2 vCPU',
    pgbouncer: 'seed 001: set by hand',
    redis: 'seed 001: set by hand',
    nginx: 'seed 001: set by hand',
  },
};
