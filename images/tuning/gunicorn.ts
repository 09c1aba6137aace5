/** Gunicorn: one process per vCPU (the GIL caps a process at one core), 16 gthreads each to overlap DB, cache and upstream waits. */
import type { Tier } from '../tiers.ts';
import type { AppProfile } from '../web.ts';
import { set, type Setting } from './setting.ts';

export interface GunicornSettings {
  [k: string]: Setting;
  workers: Setting<number>;
  threads: Setting<number>;
  worker_class: Setting<string>;
  max_requests: Setting<number>;
  max_requests_jitter: Setting<number>;
  timeout: Setting<number>;
  graceful_timeout: Setting<number>;
  keepalive: Setting<number>;
  backlog: Setting<number>;
  preload_app: Setting<boolean>;
}

export const workerCostMiB = (app: AppProfile, threads: number): number =>
  app.workerPrivateMiB + (threads - 1) * app.threadMiB + app.workerGrowthMiB;

/**
 * Threads per worker before the memory cap: a waiting thread costs ~1 MiB and no CPU. Measured on nano with
 * bench/gunicorn-models.ts, 2 x 16 served 1.5x the capacity of 2 x 4 with 1 request in 6 waiting 50 ms upstream
 * (1200 vs 779 req/s, pinned) and no less on the CPU-bound canary (pinned 1020-1200 vs 1009-1073 req/s).
 */
export const MAX_THREADS = 16;

/** `capMiB`: the most the app server may take; threads shrink to 4, then workers to 1, then threads to 2, to fit it. */
export function tuneGunicorn(tier: Tier, app: AppProfile, capMiB: number): GunicornSettings {
  let workers = Math.max(2, tier.vcpus);
  let threads = MAX_THREADS;
  const cost = () => app.masterMiB + workers * workerCostMiB(app, threads);
  // Threads give way first: a process is worth a core, a thread only a wait.
  while (cost() > capMiB && threads > 4) threads--;
  while (cost() > capMiB && workers > 1) workers--;
  while (cost() > capMiB && threads > 2) threads--;
  const shrunk = workers < Math.max(2, tier.vcpus) ? `, cut to fit ${capMiB} MiB` : '';
  return {
    workers: set(
      workers,
      `one process per vCPU (${tier.vcpus}) saturates the CPU despite the GIL; at least 2 so one serves while the other recycles${shrunk}`,
    ),
    threads: set(
      threads,
      `gthreads overlap waits on PgBouncer, Redis and upstreams; each costs ~1 MiB, a process ~36 MiB${threads < MAX_THREADS ? `; cut from ${MAX_THREADS} to fit ${capMiB} MiB` : ''}`,
    ),
    worker_class: set('gthread', 'threads share one interpreter: concurrency without a process per connection'),
    max_requests: set(50000, 'recycles a leaking worker after minutes at the top rate, not every few seconds as 1000 does'),
    max_requests_jitter: set(5000, 'spreads recycles so workers never restart together'),
    timeout: set(app.requestTimeoutSec, 'the longest legitimate request; nginx proxy timeouts sit above it'),
    graceful_timeout: set(Math.max(5, app.requestTimeoutSec - 10), 'lets in-flight requests finish on recycle and stop'),
    keepalive: set(65, 'longer than nginx upstream keepalive_timeout (60 s) so nginx closes idle connections first: no 502 on reuse'),
    backlog: set(1024, 'matches net.core.somaxconn; a burst queues instead of being refused'),
    preload_app: set(true, 'workers fork from the imported app: recycle in milliseconds, code pages shared'),
  };
}
