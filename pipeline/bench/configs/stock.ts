/**
 * The distribution's stock configuration: Debian 12's packaged defaults (PostgreSQL 15, PgBouncer 1.18, Redis 7.0,
 * nginx 1.22) and gunicorn's own defaults (one sync worker). Values the packaged file leaves unset are the program's defaults.
 * Debian 13's packages (PostgreSQL 17, PgBouncer 1.24, Redis 8.0, nginx 1.26) ship the same value for every key below
 * (their conffiles read 2026-12-05; nginx 1.26 adds worker_cpu_affinity auto, not a key here).
 */
import type { Tier } from '../../../images/tiers.ts';
import type { Values, Variant } from './types.ts';

export const STOCK: Values = {
  postgres: {
    max_connections: 100,
    superuser_reserved_connections: 3,
    max_locks_per_transaction: 64,
    shared_buffers_mib: 128,
    effective_cache_size_mib: 4096,
    work_mem_kib: 4096,
    hash_mem_multiplier: 2,
    maintenance_work_mem_mib: 64,
    autovacuum_max_workers: 3,
    max_worker_processes: 8,
    max_parallel_workers: 8,
    max_parallel_workers_per_gather: 2,
    // Default -1 = shared_buffers / 32, written out because the template gives every value a unit.
    wal_buffers_mib: 4,
    min_wal_size_mib: 80,
    max_wal_size_mib: 1024,
    checkpoint_completion_target: 0.9,
    random_page_cost: 4,
    effective_io_concurrency: 1,
    jit: 'on',
    listen_addresses: 'localhost',
  },
  pgbouncer: {
    pool_mode: 'session',
    default_pool_size: 20,
    reserve_pool_size: 0,
    reserve_pool_timeout: 5,
    max_client_conn: 100,
    max_db_connections: 0,
    query_wait_timeout: 120,
    server_login_retry: 15,
    server_connect_timeout: 15,
    server_idle_timeout: 600,
  },
  redis: {
    maxmemory_mib: 0,
    maxmemory_policy: 'noeviction',
    maxclients: 10000,
    save: '3600 1 300 100 60 10000',
    appendonly: 'no',
    bind: '127.0.0.1 -::1',
    port: 6379,
    tcp_keepalive: 300,
    lazyfree_lazy_eviction: 'no',
  },
  gunicorn: {
    workers: 1,
    threads: 1,
    worker_class: 'sync',
    max_requests: 0,
    max_requests_jitter: 0,
    timeout: 30,
    graceful_timeout: 30,
    keepalive: 2,
    backlog: 2048,
    preload_app: false,
  },
  nginx: {
    worker_processes: 'auto',
    worker_connections: 768,
    worker_rlimit_nofile: 1024,
    keepalive_timeout: 65,
    keepalive_requests: 1000,
    // Stock proxies without an upstream pool; kiln's site template always writes one, so the smallest (1) stands in.
    upstream_keepalive: 1,
    upstream_keepalive_timeout: 60,
    proxy_connect_timeout: 60,
    proxy_read_timeout: 60,
    proxy_send_timeout: 60,
    client_max_body_size_mib: 1,
  },
};

export const STOCK_NOTES = {
  postgres: 'stock: PostgreSQL default (Debian postgresql.conf; 15 and 17 agree)',
  pgbouncer: 'stock: PgBouncer default (1.18 and 1.24 agree)',
  redis: 'stock: Redis default (Debian redis.conf; 7.0 and 8.0 agree)',
  gunicorn: 'stock: gunicorn default (one sync worker)',
  nginx: 'stock: Debian nginx.conf / nginx default',
} as const;

export const stock: Variant = {
  name: 'stock',
  summary: 'Debian packaged defaults (12 and 13 agree); gunicorn 1 sync worker',
  values: (_tier: Tier) => structuredClone(STOCK),
  notes: STOCK_NOTES,
};
