/**
 * The app's memory profile, measured on a booted box of the tier: each gunicorn worker's private memory after
 * warm-up under the app's own traffic, again with every thread busy (the per-thread cost), and again after more
 * traffic (growth); the master's resident set. The tuning charges the image these figures instead of a guess.
 */
import { APP_UNIT } from '../images/files/gunicorn.ts';
import type { Remote } from './checks/types.ts';

export interface ProcessSample {
  pid: number;
  rssKiB: number;
  privateKiB: number;
  threads: number;
}
export interface GunicornSnapshot {
  master: ProcessSample;
  workers: ProcessSample[];
}

/** Private = Private_Clean + Private_Dirty: what the process alone holds (shared code pages are the master's). */
export const SNAPSHOT_SCRIPT = `main=$(systemctl show -p MainPID --value ${APP_UNIT})
[ -n "$main" ] && [ "$main" != 0 ] || { echo "no main PID for ${APP_UNIT}" >&2; exit 1; }
for p in $main $(pgrep -P "$main"); do
  r=$(awk '/^Rss:/{r=$2} /^Private_Clean:/{c=$2} /^Private_Dirty:/{d=$2} END{print r+0, c+d}' /proc/$p/smaps_rollup) || continue
  t=$(awk '/^Threads:/{print $2}' /proc/$p/status)
  echo "$p $r $t"
done`;

export function parseSnapshot(text: string): GunicornSnapshot {
  const rows = text
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter((r) => r.length === 4 && r.every(Number.isFinite));
  if (rows.length < 2)
    throw new Error(`gunicorn snapshot: expected a master and at least one worker, got ${JSON.stringify(text.slice(0, 200))}`);
  const [master, ...workers] = rows.map(([pid, rssKiB, privateKiB, threads]) => ({ pid, rssKiB, privateKiB, threads }));
  return { master, workers };
}

export async function snapshotGunicorn(remote: Remote): Promise<GunicornSnapshot> {
  const r = await remote.exec(SNAPSHOT_SCRIPT, { timeoutSec: 30, asRoot: true });
  if (r.exitCode !== 0) throw new Error(`gunicorn snapshot failed: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  return parseSnapshot(r.stdout);
}

export interface MeasuredProfile {
  workerPrivateMiB: number;
  threadMiB: number;
  workerGrowthMiB: number;
  masterMiB: number;
  /** How each figure was made, for the lineage and the note of a bake that does not fit. */
  evidence: string;
  snapshots: { warm: GunicornSnapshot; busy: GunicornSnapshot; after: GunicornSnapshot };
}

const mib = (kib: number) => kib / 1024;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Up to the next quarter MiB: the budget counts in MiB and a figure must never round down. */
const up = (x: number) => Math.ceil(x * 4) / 4;

/** The smallest growth allowance: a short window cannot show what a worker gains over max_requests. */
export const MIN_GROWTH_SHARE = 0.1;
export const MIN_GROWTH_MIB = 4;
/** A thread never costs less than its touched stack and locals. */
export const MIN_THREAD_MIB = 0.25;

/**
 * Figures from three snapshots: after warm-up (`warm`), with every thread busy (`busy`), after more traffic
 * (`after`). Workers that were replaced between snapshots are left out of the differences.
 */
export function profileFromSnapshots(
  warm: GunicornSnapshot,
  busy: GunicornSnapshot,
  after: GunicornSnapshot,
  threadsPerWorker: number,
): MeasuredProfile {
  const byPid = (s: GunicornSnapshot) => new Map(s.workers.map((w) => [w.pid, w]));
  const warmBy = byPid(warm);
  const worker = up(mib(Math.max(...warm.workers.map((w) => w.privateKiB))));
  const busyDelta = busy.workers.filter((w) => warmBy.has(w.pid)).map((w) => mib(w.privateKiB - warmBy.get(w.pid)!.privateKiB));
  const threadMiB =
    threadsPerWorker > 1 && busyDelta.length ? Math.max(MIN_THREAD_MIB, up(mean(busyDelta) / (threadsPerWorker - 1))) : MIN_THREAD_MIB;
  const grew = after.workers.filter((w) => warmBy.has(w.pid)).map((w) => mib(w.privateKiB - warmBy.get(w.pid)!.privateKiB));
  const measuredGrowth = grew.length ? Math.max(...grew) : 0;
  const growth = up(Math.max(measuredGrowth, worker * MIN_GROWTH_SHARE, MIN_GROWTH_MIB));
  const master = up(mib(Math.max(warm.master.rssKiB, after.master.rssKiB)));
  const evidence = [
    `${warm.workers.length} workers: private ${warm.workers.map((w) => mib(w.privateKiB).toFixed(1)).join('/')} MiB after warm-up`,
    `+${busyDelta.length ? mean(busyDelta).toFixed(1) : '?'} MiB with ${threadsPerWorker} threads busy (${threadMiB} MiB per thread)`,
    `+${measuredGrowth.toFixed(1)} MiB after more traffic (growth allowance ${growth} MiB)`,
    `master RSS ${master} MiB`,
  ].join('; ');
  return { workerPrivateMiB: worker, threadMiB, workerGrowthMiB: growth, masterMiB: master, evidence, snapshots: { warm, busy, after } };
}
