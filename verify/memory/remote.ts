/** Box side: one shell loop (builtins only inside the tick, so it costs little) printing memory every interval. */

/** Tick format, one line each:
 *  `T <uptime-seconds>`
 *  `M <MemTotal kB> <MemAvailable kB> <SwapTotal kB> <SwapFree kB> <vmstat oom_kill>`
 *  `P <rss kB> <pss kB> <group>`   per process with a smaps_rollup (group = systemd unit, else process name)
 *  `E`
 */
export function memoryLoopScript(durationSec: number, intervalSec: number): string {
  const ticks = Math.max(1, Math.ceil(durationSec / intervalSec));
  return `
n=0
while [ $n -lt ${ticks} ]; do
  read up idle < /proc/uptime; echo "T $up"
  mt=0; ma=0; st=0; sf=0; ok=-1
  while read k v u; do case $k in MemTotal:) mt=$v;; MemAvailable:) ma=$v;; SwapTotal:) st=$v;; SwapFree:) sf=$v;; esac; done < /proc/meminfo
  while read k v; do [ "$k" = oom_kill ] && ok=$v; done < /proc/vmstat
  echo "M $mt $ma $st $sf $ok"
  for d in /proc/[0-9]*; do
    [ -r $d/smaps_rollup ] || continue
    g=""
    while IFS=: read h c p; do case $p in *.service) g=\${p##*/};; esac; done < $d/cgroup 2>/dev/null
    [ -n "$g" ] || { read g < $d/comm; } 2>/dev/null
    r=""; s=""
    { while read k v u; do case $k in Rss:) r=$v;; Pss:) s=$v;; esac; done < $d/smaps_rollup; } 2>/dev/null
    [ -n "$r" ] && echo "P $r \${s:-0} $g"
  done
  echo E
  n=$((n+1))
  [ $n -lt ${ticks} ] && sleep ${intervalSec}
done
exit 0
`;
}

export interface RemoteSample {
  /** Box uptime at the tick, seconds. */
  uptimeSec: number;
  memTotalKiB: number;
  memAvailableKiB: number;
  swapUsedKiB: number;
  /** /proc/vmstat oom_kill: the whole kernel's count (host-wide inside a container), -1 when absent. */
  vmstatOomKills: number;
  /** group -> summed RSS/PSS in KiB */
  groups: Record<string, { rssKiB: number; pssKiB: number; processes: number }>;
}

/** Incremental parser for the loop's output; feed it lines, collect complete ticks. */
export class RemoteSampleParser {
  readonly samples: RemoteSample[] = [];
  private current: RemoteSample | null = null;

  push(line: string): void {
    const f = line.trim().split(' ');
    if (f[0] === 'T') {
      this.current = { uptimeSec: Number(f[1]), memTotalKiB: NaN, memAvailableKiB: NaN, swapUsedKiB: NaN, vmstatOomKills: -1, groups: {} };
    } else if (!this.current) {
      return;
    } else if (f[0] === 'M') {
      const [mt, ma, st, sf, ok] = f.slice(1).map(Number);
      Object.assign(this.current, { memTotalKiB: mt, memAvailableKiB: ma, swapUsedKiB: st - sf, vmstatOomKills: ok });
    } else if (f[0] === 'P' && f.length >= 4) {
      const name = f.slice(3).join(' ');
      const g = (this.current.groups[name] ??= { rssKiB: 0, pssKiB: 0, processes: 0 });
      g.rssKiB += Number(f[1]) || 0;
      g.pssKiB += Number(f[2]) || 0;
      g.processes += 1;
    } else if (f[0] === 'E') {
      // Only complete ticks with sane numbers count: a torn last tick is dropped, not guessed.
      if (Number.isFinite(this.current.memAvailableKiB) && Number.isFinite(this.current.uptimeSec)) this.samples.push(this.current);
      this.current = null;
    }
  }
}
