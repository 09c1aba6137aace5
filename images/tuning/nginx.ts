/** Nginx: one worker per vCPU, connections sized to RAM, timeouts above gunicorn's. */
import type { Tier } from '../tiers.ts';
import type { GunicornSettings } from './gunicorn.ts';
import { clamp, set, type Setting } from './setting.ts';

export interface NginxSettings {
  [k: string]: Setting;
  worker_processes: Setting<number>;
  worker_connections: Setting<number>;
  worker_rlimit_nofile: Setting<number>;
  keepalive_timeout: Setting<number>;
  keepalive_requests: Setting<number>;
  upstream_keepalive: Setting<number>;
  upstream_keepalive_timeout: Setting<number>;
  proxy_connect_timeout: Setting<number>;
  proxy_read_timeout: Setting<number>;
  proxy_send_timeout: Setting<number>;
  client_max_body_size_mib: Setting<number>;
}

export function tuneNginx(tier: Tier, gunicorn: GunicornSettings): NginxSettings {
  const conns = clamp(tier.ramMiB, 512, 4096);
  const above = gunicorn.timeout.value + 5;
  return {
    worker_processes: set(tier.vcpus, 'one event loop per vCPU; written out because "auto" counts the host\'s CPUs in a container'),
    worker_connections: set(conns, 'about one connection per MiB of RAM, 512 to 4096: every one is budgeted'),
    worker_rlimit_nofile: set(conns * 2 + 64, 'a proxied connection uses two descriptors'),
    keepalive_timeout: set(65, 'clients reuse connections across page loads'),
    keepalive_requests: set(1000, 'fewer TCP handshakes from load balancers and busy clients'),
    upstream_keepalive: set(
      gunicorn.workers.value * gunicorn.threads.value,
      'one idle upstream connection per app thread: no connect per request',
    ),
    upstream_keepalive_timeout: set(60, 'below gunicorn keepalive (65 s) so nginx closes idle connections first'),
    proxy_connect_timeout: set(5, 'the app is on this box: a slow connect means it is down'),
    proxy_read_timeout: set(
      above,
      `above gunicorn timeout (${gunicorn.timeout.value} s): gunicorn answers or kills first, nginx never cuts a live request`,
    ),
    proxy_send_timeout: set(above, 'same bound as reads'),
    client_max_body_size_mib: set(10, 'uploads larger than this belong in object storage'),
  };
}
