/** Cross-field rules every tuned stack must satisfy; each names the fields it ties together. */
import type { Tuned } from './index.ts';

export interface Rule {
  id: string;
  fields: string[];
  holds: (t: Tuned) => boolean;
  says: (t: Tuned) => string;
}

const v = <T>(s: { value: T } | undefined) => s!.value;
const appThreads = (t: Tuned) => v(t.settings.gunicorn.workers) * v(t.settings.gunicorn.threads);

export const RULES: Rule[] = [
  {
    id: 'pgbouncer-clients-cover-app',
    fields: ['pgbouncer.max_client_conn', 'gunicorn.workers', 'gunicorn.threads'],
    holds: (t) => v(t.settings.pgbouncer!.max_client_conn) >= appThreads(t),
    says: (t) => `max_client_conn ${v(t.settings.pgbouncer!.max_client_conn)} < app threads ${appThreads(t)}`,
  },
  {
    id: 'pool-within-postgres',
    fields: ['pgbouncer.max_db_connections', 'postgres.max_connections'],
    holds: (t) =>
      v(t.settings.pgbouncer!.max_db_connections)
      <= v(t.settings.postgres!.max_connections) - v(t.settings.postgres!.superuser_reserved_connections),
    says: (t) =>
      `pool ${v(t.settings.pgbouncer!.max_db_connections)} > usable Postgres connections ${v(t.settings.postgres!.max_connections) - v(t.settings.postgres!.superuser_reserved_connections)}`,
  },
  {
    id: 'pool-size-within-db-limit',
    fields: ['pgbouncer.default_pool_size', 'pgbouncer.reserve_pool_size', 'pgbouncer.max_db_connections'],
    holds: (t) =>
      v(t.settings.pgbouncer!.default_pool_size) + v(t.settings.pgbouncer!.reserve_pool_size)
      <= v(t.settings.pgbouncer!.max_db_connections),
    says: () => 'default_pool_size + reserve_pool_size exceeds max_db_connections',
  },
  {
    id: 'gunicorn-before-nginx',
    fields: ['gunicorn.timeout', 'nginx.proxy_read_timeout'],
    holds: (t) => v(t.settings.gunicorn.timeout) < v(t.settings.nginx.proxy_read_timeout),
    says: (t) =>
      `gunicorn timeout ${v(t.settings.gunicorn.timeout)} s must be below nginx proxy_read_timeout ${v(t.settings.nginx.proxy_read_timeout)} s`,
  },
  {
    id: 'pool-wait-before-gunicorn',
    fields: ['pgbouncer.query_wait_timeout', 'gunicorn.timeout'],
    holds: (t) => v(t.settings.pgbouncer!.query_wait_timeout) < v(t.settings.gunicorn.timeout),
    says: (t) =>
      `query_wait_timeout ${v(t.settings.pgbouncer!.query_wait_timeout)} s must be below gunicorn timeout ${v(t.settings.gunicorn.timeout)} s`,
  },
  {
    id: 'upstream-keepalive-order',
    fields: ['gunicorn.keepalive', 'nginx.upstream_keepalive_timeout'],
    holds: (t) => v(t.settings.gunicorn.keepalive) > v(t.settings.nginx.upstream_keepalive_timeout),
    says: () => 'gunicorn keepalive must outlast nginx upstream keepalive_timeout',
  },
  {
    id: 'redis-clients-cover-app',
    fields: ['redis.maxclients', 'gunicorn.workers', 'gunicorn.threads'],
    holds: (t) => v(t.settings.redis!.maxclients) >= appThreads(t),
    says: () => 'redis maxclients below app threads',
  },
  {
    id: 'nginx-descriptors',
    fields: ['nginx.worker_rlimit_nofile', 'nginx.worker_connections'],
    holds: (t) => v(t.settings.nginx.worker_rlimit_nofile) >= 2 * v(t.settings.nginx.worker_connections),
    says: () => 'worker_rlimit_nofile below 2 x worker_connections',
  },
  {
    id: 'backlog-within-somaxconn',
    fields: ['gunicorn.backlog', 'kernel.net_core_somaxconn'],
    holds: (t) => v(t.settings.gunicorn.backlog) <= v(t.settings.kernel.net_core_somaxconn),
    says: () => 'gunicorn backlog above net.core.somaxconn is silently truncated',
  },
  {
    id: 'worst-case-fits',
    fields: ['budget'],
    holds: (t) => t.budget.osReserveMiB + Object.values(t.budget.components).reduce((a, b) => a + b, 0) <= t.budget.ceilingMiB,
    says: (t) => `worst case exceeds the ${t.budget.ceilingMiB} MiB ceiling`,
  },
];

/** A rule ties services together: it applies when every service its fields name is on the box. */
const applies = (r: Rule, t: Tuned) =>
  r.fields.every((f) => {
    const [group, key] = f.split('.');
    return (
      group === 'budget' || (t.settings as unknown as Record<string, Record<string, unknown> | undefined>)[group!]?.[key!] !== undefined
    );
  });

/** The rules a tuned stack breaks (empty when sound). */
export const broken = (t: Tuned): string[] => RULES.filter((r) => applies(r, t) && !r.holds(t)).map((r) => `${r.id}: ${r.says(t)}`);
