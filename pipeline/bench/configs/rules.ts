/** The common rules: gunicorn's documented 2 x cores + 1 sync workers, PGTune (web, SSD) for Postgres; the rest stock. */
import { gunicornDocsWorkers, pgtuneWeb } from '../../../images/tuning/anchors.ts';
import type { Tier } from '../../../images/tiers.ts';
import type { Values, Variant } from './types.ts';
import { overlay } from './types.ts';
import { STOCK } from './stock.ts';

/** PGTune's wal_buffers: 3% of shared_buffers, at most 16 MB (at least 1 MB here: the template writes whole MB). */
const pgtuneWalBuffersMiB = (sharedBuffersMiB: number) => Math.max(1, Math.min(16, Math.floor(sharedBuffersMiB * 0.03)));

export function rulesValues(tier: Tier): Values {
  const pg = pgtuneWeb(tier);
  return overlay(STOCK, {
    gunicorn: { workers: gunicornDocsWorkers(tier), threads: 1, worker_class: 'sync' },
    postgres: {
      max_connections: pg.max_connections,
      shared_buffers_mib: pg.shared_buffers_mib,
      effective_cache_size_mib: pg.effective_cache_size_mib,
      maintenance_work_mem_mib: pg.maintenance_work_mem_mib,
      work_mem_kib: pg.work_mem_kib,
      wal_buffers_mib: pgtuneWalBuffersMiB(pg.shared_buffers_mib),
      // PGTune's web profile on SSD; it leaves the parallel settings alone below 4 CPUs.
      min_wal_size_mib: 1024,
      max_wal_size_mib: 4096,
      checkpoint_completion_target: 0.9,
      random_page_cost: 1.1,
      effective_io_concurrency: 200,
    },
  });
}

export const rules: Variant = {
  name: 'rules',
  summary: 'gunicorn 2 x vCPUs + 1 sync workers; PGTune web profile on the tier RAM; PgBouncer, Redis, nginx stock',
  values: rulesValues,
  notes: { gunicorn: 'rules: gunicorn docs, 2 x cores + 1 sync workers', postgres: 'rules: PGTune, web application profile, SSD' },
};
