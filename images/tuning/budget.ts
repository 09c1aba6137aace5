/** Worst-case memory of each service, computed from its final settings. */
import type { Tier } from '../tiers.ts';
import type { AppProfile } from '../web.ts';
import { COSTS, type OsShare } from './costs.ts';
import { workerCostMiB, type GunicornSettings } from './gunicorn.ts';
import type { NginxSettings } from './nginx.ts';
import type { PgbouncerSettings } from './pgbouncer.ts';
import type { PostgresSettings } from './postgres.ts';
import type { RedisSettings } from './redis.ts';

export interface Budget {
  ramMiB: number;
  ceilingMiB: number;
  osReserveMiB: number;
  /** Worst case per service the image runs (a service left out has no entry). */
  components: { postgres?: number; pgbouncer?: number; redis?: number; gunicorn: number; nginx: number };
  /** RAM left for the page cache at the worst case. */
  headroomMiB: number;
  /** How each component's worst case is made up. */
  formulas: Record<string, string>;
}

const mib = (v: number) => Math.ceil(v * 10) / 10;

export const osReserveMiB = (tier: Tier, os: OsShare): number =>
  Math.round(Math.min(COSTS.osMaxMiB, os.baseMiB + (tier.ramMiB * os.ramPct) / 100));

export const ceilingMiB = (tier: Tier): number => Math.floor((tier.ramMiB * tier.slo.memoryCeilingPct) / 100);

export const gunicornMiB = (g: GunicornSettings, app: AppProfile): number =>
  app.masterMiB + g.workers.value * workerCostMiB(app, g.threads.value);

export const nginxMiB = (n: NginxSettings): number =>
  COSTS.nginxMasterMiB + n.worker_processes.value * (COSTS.nginxWorkerMiB + (n.worker_connections.value * COSTS.nginxConnKiB) / 1024);

export const pgbouncerMiB = (p: PgbouncerSettings): number =>
  COSTS.pgbouncerBaseMiB + (p.max_client_conn.value * COSTS.pgbouncerClientKiB) / 1024;

export const redisMiB = (maxmemoryMiB: number): number => COSTS.redisBaseMiB + maxmemoryMiB * (1 + COSTS.redisOverheadPct / 100);

/** Every backend and parallel worker running its sort/hash nodes at once, plus maintenance and shared memory. */
export function postgresMiB(pg: {
  max_connections: number;
  max_parallel_workers: number;
  shared_buffers_mib: number;
  wal_buffers_mib: number;
  work_mem_kib: number;
  hash_mem_multiplier: number;
  maintenance_work_mem_mib: number;
  autovacuum_max_workers: number;
  max_locks_per_transaction?: number;
}): number {
  const backends = pg.max_connections + pg.max_parallel_workers;
  const perQueryMiB = (pg.work_mem_kib / 1024) * (COSTS.pgNodesPerQuery - 1 + pg.hash_mem_multiplier);
  const lockMiB = ((pg.max_locks_per_transaction ?? 64) * pg.max_connections * COSTS.pgLockSlotBytes) / 2 ** 20;
  return (
    pg.shared_buffers_mib
    + pg.wal_buffers_mib
    + lockMiB
    + COSTS.pgAuxProcesses * COSTS.pgAuxMiB
    + backends * (COSTS.pgBackendMiB + perQueryMiB)
    + (pg.autovacuum_max_workers + 1) * pg.maintenance_work_mem_mib
  );
}

export function computeBudget(
  tier: Tier,
  app: AppProfile,
  s: {
    postgres?: PostgresSettings;
    pgbouncer?: PgbouncerSettings;
    redis?: RedisSettings;
    gunicorn: GunicornSettings;
    nginx: NginxSettings;
  },
  osShare: OsShare,
): Budget {
  const p = s.postgres;
  const pg = p ? (Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.value])) as never) : undefined;
  const components: Budget['components'] = {
    ...(pg ? { postgres: mib(postgresMiB(pg)) } : {}),
    ...(s.pgbouncer ? { pgbouncer: mib(pgbouncerMiB(s.pgbouncer)) } : {}),
    ...(s.redis ? { redis: mib(redisMiB(s.redis.maxmemory_mib.value)) } : {}),
    gunicorn: mib(gunicornMiB(s.gunicorn, app)),
    nginx: mib(nginxMiB(s.nginx)),
  };
  const os = osReserveMiB(tier, osShare);
  const used = Object.values(components).reduce((a, b) => a + b, 0);
  return {
    ramMiB: tier.ramMiB,
    ceilingMiB: ceilingMiB(tier),
    osReserveMiB: os,
    components,
    headroomMiB: mib(tier.ramMiB - os - used),
    formulas: {
      ...(p
        ? {
            postgres: `shared_buffers ${p.shared_buffers_mib.value} + wal_buffers ${p.wal_buffers_mib.value} + lock table ${p.max_locks_per_transaction.value} x ${p.max_connections.value} x ${COSTS.pgLockSlotBytes} B + ${COSTS.pgAuxProcesses} aux x ${COSTS.pgAuxMiB} + (${p.max_connections.value} conns + ${p.max_parallel_workers.value} parallel) x (${COSTS.pgBackendMiB} + ${COSTS.pgNodesPerQuery} nodes x work_mem ${p.work_mem_kib.value} KiB, hash x${p.hash_mem_multiplier.value}) + (${p.autovacuum_max_workers.value} autovacuum + 1 manual) x maintenance_work_mem ${p.maintenance_work_mem_mib.value}`,
          }
        : {}),
      ...(s.pgbouncer
        ? { pgbouncer: `${COSTS.pgbouncerBaseMiB} + ${s.pgbouncer.max_client_conn.value} clients x ${COSTS.pgbouncerClientKiB} KiB` }
        : {}),
      ...(s.redis
        ? { redis: `${COSTS.redisBaseMiB} + maxmemory ${s.redis.maxmemory_mib.value} x ${1 + COSTS.redisOverheadPct / 100}` }
        : {}),
      gunicorn: `master ${app.masterMiB} + ${s.gunicorn.workers.value} workers x (${app.workerPrivateMiB} + ${s.gunicorn.threads.value - 1} threads x ${app.threadMiB} + growth ${app.workerGrowthMiB})`,
      nginx: `${COSTS.nginxMasterMiB} + ${s.nginx.worker_processes.value} workers x (${COSTS.nginxWorkerMiB} + ${s.nginx.worker_connections.value} conns x ${COSTS.nginxConnKiB} KiB)`,
    },
  };
}
