/** PostgreSQL: connections from the PgBouncer pool, memory from the allocation the budget made. */
import type { Tier } from '../tiers.ts';
import { COSTS } from './costs.ts';
import type { PgbouncerSettings } from './pgbouncer.ts';
import { set, type Setting } from './setting.ts';

export interface PostgresSettings {
  [k: string]: Setting;
  max_connections: Setting<number>;
  superuser_reserved_connections: Setting<number>;
  max_locks_per_transaction: Setting<number>;
  shared_buffers_mib: Setting<number>;
  effective_cache_size_mib: Setting<number>;
  work_mem_kib: Setting<number>;
  hash_mem_multiplier: Setting<number>;
  maintenance_work_mem_mib: Setting<number>;
  autovacuum_max_workers: Setting<number>;
  max_worker_processes: Setting<number>;
  max_parallel_workers: Setting<number>;
  max_parallel_workers_per_gather: Setting<number>;
  wal_buffers_mib: Setting<number>;
  min_wal_size_mib: Setting<number>;
  max_wal_size_mib: Setting<number>;
  checkpoint_completion_target: Setting<number>;
  random_page_cost: Setting<number>;
  effective_io_concurrency: Setting<number>;
  jit: Setting<string>;
  listen_addresses: Setting<string>;
}

export const SUPERUSER_RESERVED = 3;
/** Postgres's own lock table: 64 locks x 100 connections. Its size is max_locks_per_transaction x max_connections. */
export const DEFAULT_LOCK_SLOTS = 64 * 100;
export const MAINTENANCE_SESSIONS = 2;

/** Connection-shaped settings, decided before memory is split. */
export function postgresShape(tier: Tier, pgb: PgbouncerSettings) {
  const parallel = tier.vcpus <= 2 ? 0 : Math.floor(tier.vcpus / 2);
  return {
    maxConnections: pgb.max_db_connections.value + SUPERUSER_RESERVED + MAINTENANCE_SESSIONS,
    autovacuumWorkers: tier.vcpus <= 2 ? 2 : 3,
    parallelWorkers: parallel,
  };
}
export type PostgresShape = ReturnType<typeof postgresShape>;

export interface PostgresMemory {
  sharedBuffersMiB: number;
  workMemKiB: number;
  maintenanceMiB: number;
  effectiveCacheMiB: number;
}

export function tunePostgres(tier: Tier, pgb: PgbouncerSettings, shape: PostgresShape, mem: PostgresMemory): PostgresSettings {
  const walMiB = Math.min(16, Math.max(1, Math.floor(mem.sharedBuffersMiB / 32)));
  const maxWalMiB = tier.rootVolumeGiB <= 20 ? 1024 : 2048;
  return {
    max_connections: set(
      shape.maxConnections,
      `PgBouncer opens at most ${pgb.max_db_connections.value}, + ${SUPERUSER_RESERVED} superuser + ${MAINTENANCE_SESSIONS} for migrations and psql; every slot is budgeted`,
    ),
    superuser_reserved_connections: set(SUPERUSER_RESERVED, 'lets an operator in when the pool is exhausted'),
    max_locks_per_transaction: set(
      Math.max(64, Math.ceil(DEFAULT_LOCK_SLOTS / shape.maxConnections)),
      `keeps the lock table at Postgres's default ${DEFAULT_LOCK_SLOTS} slots with only ${shape.maxConnections} connections: one migration of a big app locks every table and index it touches (pretix's ran out at 64 x 12)`,
    ),
    shared_buffers_mib: set(mem.sharedBuffersMiB, "the share of the box left after every backend's worst case, capped at 25% of RAM"),
    effective_cache_size_mib: set(
      mem.effectiveCacheMiB,
      'shared_buffers plus the page cache the budget leaves free; a planner hint, allocates nothing',
    ),
    work_mem_kib: set(
      mem.workMemKiB,
      `what ${shape.maxConnections} connections x ${COSTS.pgNodesPerQuery} sort/hash nodes can each take and still fit`,
    ),
    hash_mem_multiplier: set(COSTS.pgHashMemMultiplier, 'hash nodes get work_mem, not 2x (the PG 15 default), so the budget holds'),
    maintenance_work_mem_mib: set(
      mem.maintenanceMiB,
      `${shape.autovacuumWorkers} autovacuum workers and one manual VACUUM/CREATE INDEX may each take it at once`,
    ),
    autovacuum_max_workers: set(shape.autovacuumWorkers, 'enough to keep up with a web workload on this many vCPUs'),
    max_worker_processes: set(Math.max(2, shape.parallelWorkers + 2), 'parallel workers plus the logical replication launcher'),
    max_parallel_workers: set(
      shape.parallelWorkers,
      shape.parallelWorkers
        ? 'half the vCPUs; each worker is budgeted as a backend'
        : 'no parallel query on 2 vCPUs: it steals the CPU the app needs',
    ),
    max_parallel_workers_per_gather: set(Math.min(2, shape.parallelWorkers), 'bounds how many workers one query may take'),
    wal_buffers_mib: set(walMiB, '1/32 of shared_buffers, as Postgres chooses itself, written out so the budget counts it'),
    min_wal_size_mib: set(256, 'recycles WAL segments instead of creating them on a small volume'),
    max_wal_size_mib: set(maxWalMiB, `fits the ${tier.rootVolumeGiB} GiB root volume; fewer forced checkpoints`),
    checkpoint_completion_target: set(0.9, 'spreads checkpoint writes over the interval'),
    random_page_cost: set(1.1, 'EBS gp3 and local SSD: random reads cost about as much as sequential'),
    effective_io_concurrency: set(200, 'SSD-backed volumes serve many requests at once'),
    jit: set('off', 'JIT compile time and memory exceed the gain on short OLTP queries'),
    listen_addresses: set('localhost', 'only PgBouncer, on the same box, talks to Postgres'),
  };
}
