/** Redis as a cache: bounded, evicting, never forking to persist. */
import type { GunicornSettings } from './gunicorn.ts';
import { set, type Setting } from './setting.ts';

export interface RedisSettings {
  [k: string]: Setting;
  maxmemory_mib: Setting<number>;
  maxmemory_policy: Setting<string>;
  maxclients: Setting<number>;
  save: Setting<string>;
  appendonly: Setting<string>;
  bind: Setting<string>;
  port: Setting<number>;
  tcp_keepalive: Setting<number>;
  lazyfree_lazy_eviction: Setting<string>;
}

export function tuneRedis(maxmemoryMiB: number, gunicorn: GunicornSettings): RedisSettings {
  const clients = gunicorn.workers.value * gunicorn.threads.value;
  return {
    maxmemory_mib: set(maxmemoryMiB, 'the cache share of the budget; RSS overhead above it is budgeted separately'),
    maxmemory_policy: set('allkeys-lru', 'a cache evicts the least recently used key instead of failing writes'),
    maxclients: set(Math.max(64, clients * 2) + 32, `app threads (${clients}) x 2 for recycling overlap, plus admin`),
    save: set('', 'no RDB snapshots: a fork would double memory on a full cache; this is a cache, not a store'),
    appendonly: set('no', 'no AOF: nothing here must survive a restart'),
    bind: set('127.0.0.1', 'only the app on this box talks to Redis'),
    port: set(6379, 'the standard port, on loopback only'),
    tcp_keepalive: set(60, 'drops connections of dead clients'),
    lazyfree_lazy_eviction: set('yes', 'frees evicted values in a background thread: no latency spike on eviction'),
  };
}
