/** PostgreSQL conf.d: every tuned setting under its Postgres name, with an explicit unit. */
import { renderTemplate } from '../../templates/engine.ts';
import type { FileSpec, RenderContext } from '../render-types.ts';

type Unit = 'kB' | 'MB' | '' | 'string';

/** Tuned key -> Postgres parameter and the unit the value is written in (the validator reads this too). */
export const PG_PARAMS: Record<string, { name: string; unit: Unit }> = {
  listen_addresses: { name: 'listen_addresses', unit: 'string' },
  max_connections: { name: 'max_connections', unit: '' },
  superuser_reserved_connections: { name: 'superuser_reserved_connections', unit: '' },
  max_locks_per_transaction: { name: 'max_locks_per_transaction', unit: '' },
  shared_buffers_mib: { name: 'shared_buffers', unit: 'MB' },
  wal_buffers_mib: { name: 'wal_buffers', unit: 'MB' },
  effective_cache_size_mib: { name: 'effective_cache_size', unit: 'MB' },
  work_mem_kib: { name: 'work_mem', unit: 'kB' },
  hash_mem_multiplier: { name: 'hash_mem_multiplier', unit: '' },
  maintenance_work_mem_mib: { name: 'maintenance_work_mem', unit: 'MB' },
  autovacuum_max_workers: { name: 'autovacuum_max_workers', unit: '' },
  max_worker_processes: { name: 'max_worker_processes', unit: '' },
  max_parallel_workers: { name: 'max_parallel_workers', unit: '' },
  max_parallel_workers_per_gather: { name: 'max_parallel_workers_per_gather', unit: '' },
  min_wal_size_mib: { name: 'min_wal_size', unit: 'MB' },
  max_wal_size_mib: { name: 'max_wal_size', unit: 'MB' },
  checkpoint_completion_target: { name: 'checkpoint_completion_target', unit: '' },
  random_page_cost: { name: 'random_page_cost', unit: '' },
  effective_io_concurrency: { name: 'effective_io_concurrency', unit: '' },
  jit: { name: 'jit', unit: '' },
};

const text = (v: number | string | boolean, unit: Unit) => (unit === 'string' ? `'${String(v).replace(/'/g, "''")}'` : `${v}${unit}`);

export function pgParams(ctx: RenderContext) {
  const pg = ctx.s.postgres;
  const unknown = Object.keys(pg).filter((k) => !PG_PARAMS[k]);
  if (unknown.length) throw new Error(`kiln bug: postgres settings without a parameter mapping: ${unknown.join(', ')}`);
  return Object.entries(PG_PARAMS).map(([key, p]) => ({
    key,
    name: p.name,
    unit: p.unit,
    value: pg[key]!,
    text: text(pg[key]!, p.unit),
    reason: ctx.r[`postgres.${key}`],
  }));
}

export const postgresConfPath = (ctx: Pick<RenderContext, 'distro'>) => `${ctx.distro.pgConfDir}/conf.d/kiln.conf`;

export const postgresFiles: FileSpec[] = [
  {
    role: 'postgres',
    service: 'postgres',
    render: (ctx) => [
      { path: postgresConfPath(ctx), mode: '0644', content: renderTemplate('postgres/kiln.conf.hbs', { ...ctx, params: pgParams(ctx) }) },
    ],
  },
];
