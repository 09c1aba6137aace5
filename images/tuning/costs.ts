/** The memory cost model: measured or documented per-unit costs the worst-case budget is built from. */
export const COSTS = {
  /** Kernel slab, page tables, systemd, journald, sshd, cloud-init leftovers: base + share of RAM, capped. */
  osBaseMiB: 48,
  osRamPct: 2.5,
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
