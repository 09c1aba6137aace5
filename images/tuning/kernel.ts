/** Kernel and limits for one box running Postgres and Redis side by side. */
import type { NginxSettings } from './nginx.ts';
import type { PgbouncerSettings } from './pgbouncer.ts';
import type { RedisSettings } from './redis.ts';
import { set, type Setting } from './setting.ts';
import type { Tier } from '../tiers.ts';

export interface KernelSettings {
  // Optional limits are absent (never undefined) when their service is not on the box.
  [k: string]: Setting | undefined;
  vm_overcommit_memory: Setting<number>;
  vm_swappiness: Setting<number>;
  vm_min_free_kbytes: Setting<number>;
  net_core_somaxconn: Setting<number>;
  net_ipv4_tcp_max_syn_backlog: Setting<number>;
  net_ipv4_ip_local_port_range: Setting<string>;
  net_ipv4_tcp_tw_reuse: Setting<number>;
  nginx_nofile: Setting<number>;
  pgbouncer_nofile?: Setting<number>;
  redis_nofile?: Setting<number>;
}

/** Limits of the services the image runs: PgBouncer's and Redis's only when they are there. */
/** The kernel's own min_free_kbytes for a machine of this RAM (mm/page_alloc.c: sqrt(16 x KiB), within 128..262144). */
export const defaultMinFreeKiB = (ramMiB: number): number => Math.min(262144, Math.max(128, Math.floor(Math.sqrt(ramMiB * 1024 * 16))));

export function tuneKernel(
  tier: Tier,
  nginx: NginxSettings,
  pgb: PgbouncerSettings | undefined,
  redis: RedisSettings | undefined,
): KernelSettings {
  return {
    vm_overcommit_memory: set(
      1,
      'Redis needs it to fork safely; 2 (the Postgres docs) caps commit at 50% of RAM with no swap, below what the app threads reserve, so allocations fail on small tiers; the worst-case budget, not the commit limit, keeps memory bounded',
    ),
    vm_swappiness: set(10, 'if swap exists, drop page cache before swapping app memory'),
    vm_min_free_kbytes: set(
      defaultMinFreeKiB(tier.ramMiB),
      "the kernel's own default for this RAM (sqrt of 16 x KiB); transparent hugepages' khugepaged raises it to 44 MiB at boot, and MemAvailable then withholds ~121 MiB of a 1 GiB machine (measured in its VM)",
    ),
    net_core_somaxconn: set(1024, 'accept queues for nginx and gunicorn hold a burst'),
    net_ipv4_tcp_max_syn_backlog: set(2048, 'half-open connections during a burst are not dropped'),
    net_ipv4_ip_local_port_range: set('10240 65535', 'more ephemeral ports for loopback connections to the app, PgBouncer and Redis'),
    net_ipv4_tcp_tw_reuse: set(1, 'reuses TIME_WAIT ports for new outgoing loopback connections'),
    nginx_nofile: set(nginx.worker_rlimit_nofile.value, 'matches worker_rlimit_nofile'),
    ...(pgb
      ? {
          pgbouncer_nofile: set(
            pgb.max_client_conn.value + pgb.max_db_connections.value + 64,
            'one descriptor per client and server connection',
          ),
        }
      : {}),
    ...(redis ? { redis_nofile: set(redis.maxclients.value + 64, 'Redis lowers maxclients when the limit is below it') } : {}),
  };
}
