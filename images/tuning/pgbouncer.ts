/** PgBouncer: transaction pooling sized to what Postgres can run at once, not to the client count. */
import type { Tier } from '../tiers.ts';
import type { GunicornSettings } from './gunicorn.ts';
import { set, type Setting } from './setting.ts';

export interface PgbouncerSettings {
  [k: string]: Setting;
  pool_mode: Setting<string>;
  default_pool_size: Setting<number>;
  reserve_pool_size: Setting<number>;
  reserve_pool_timeout: Setting<number>;
  max_client_conn: Setting<number>;
  max_db_connections: Setting<number>;
  query_wait_timeout: Setting<number>;
  server_login_retry: Setting<number>;
  server_connect_timeout: Setting<number>;
  server_idle_timeout: Setting<number>;
}

export function tunePgbouncer(tier: Tier, gunicorn: GunicornSettings): PgbouncerSettings {
  const appConns = gunicorn.workers.value * gunicorn.threads.value;
  const pool = Math.min(appConns, 2 * tier.vcpus + 2);
  const reserve = 1;
  return {
    pool_mode: set('transaction', 'a server connection is held per transaction, so few backends serve many app threads'),
    default_pool_size: set(
      pool,
      `active backends near 2 x vCPUs + 2 = ${2 * tier.vcpus + 2} keep Postgres busy; more only queue inside it (app threads: ${appConns})`,
    ),
    reserve_pool_size: set(reserve, 'one extra backend absorbs a burst of slow transactions'),
    reserve_pool_timeout: set(3, 'seconds a client waits before the reserve opens'),
    max_client_conn: set(
      Math.max(64, appConns * 2) + 16,
      `at least 2 x app threads (${appConns}) for recycling overlap, plus admin and migrations`,
    ),
    max_db_connections: set(pool + reserve, 'the pool plus its reserve: the most backends PgBouncer ever opens'),
    query_wait_timeout: set(
      Math.max(5, gunicorn.timeout.value - 10),
      'a request waiting for a pooled connection fails before gunicorn kills its worker',
    ),
    server_login_retry: set(1, 'default 15 s turns a short Postgres restart into a 15 s stall'),
    server_connect_timeout: set(5, 'Postgres is local: a slower connect means it is down'),
    server_idle_timeout: set(600, 'keeps warm backends for ten minutes of quiet'),
  };
}
