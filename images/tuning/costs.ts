/** The memory cost model: measured or documented per-unit costs the worst-case budget is built from. */

/**
 * What a whole machine's kernel and OS take of its RAM at the stack's worst case, per distro: base + share of RAM
 * (the kernel's page structs and per-page tables grow with RAM). Measured with bench/os-share.ts; docs/tuning.md.
 */
export interface OsShare {
  baseMiB: number;
  ramPct: number;
  /** Where the figures come from: a measurement (and its command) or documented figures. */
  source: string;
}
export const COSTS = {
  /** The OS share's cap: past it, RAM-proportional kernel costs are already counted by the base + share fit. */
  osMaxMiB: 768,
  /** Idle backend private memory measured at 1.3 MiB on the canary; 4 MiB covers a bigger app's relcache. */
  pgBackendMiB: 4,
  /** checkpointer, bgwriter, walwriter, autovacuum launcher, logical launcher, stats, postmaster. */
  pgAuxProcesses: 7,
  pgAuxMiB: 1.5,
  /** Shared memory per lock slot (a LOCK and a PROCLOCK entry with hash overhead), for max_locks_per_transaction x max_connections. */
  pgLockSlotBytes: 270,
  /** Sort/hash nodes one Django query may run at once (an ORDER BY and a hash join). */
  pgNodesPerQuery: 2,
  /** Hash nodes may use hash_mem_multiplier x work_mem; we set it and count it. */
  pgHashMemMultiplier: 1,
  /** Redis RSS above maxmemory: allocator fragmentation, client buffers, dict rehash. */
  redisOverheadPct: 15,
  redisBaseMiB: 4,
  nginxMasterMiB: 2,
  nginxWorkerMiB: 3,
  /** A proxied request's buffers (headers 1k, proxy_buffer_size 4k, proxy_buffers 8x4k) average well below this. */
  nginxConnKiB: 8,
  pgbouncerBaseMiB: 2,
  /** Two pkt_buf (4 KiB) per client in flight. */
  pgbouncerClientKiB: 8,
} as const;
