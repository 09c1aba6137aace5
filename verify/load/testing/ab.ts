import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { placed, type Placement } from '../cpus.ts';

export interface AbResult {
  rps: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  failed: number;
}

/**
 * apache2-utils' ab with keep-alive: closed loop and, unlike wrk 4, no correction for
 * coordinated omission — the plain closed-loop view of latency. ms resolution.
 */
export async function runAb(url: string, o: { connections: number; durationSec: number; place?: Placement }): Promise<AbResult> {
  // -t implies -n 50000; a later -n lifts that cap so -t alone bounds the run
  const args = ['-k', '-q', '-c', String(o.connections), '-t', String(o.durationSec), '-n', '10000000', url];
  const [cmd, ...rest] = placed(o.place, ['ab', ...args]);
  const { stdout } = await promisify(execFile)(cmd, rest, { timeout: (o.durationSec + 30) * 1000 });
  const num = (re: RegExp) => {
    const m = re.exec(stdout);
    if (!m) throw new Error(`ab: ${re} not found in:\n${stdout}`);
    return Number(m[1]);
  };
  return {
    rps: num(/Requests per second:\s+([\d.]+)/),
    requests: num(/Complete requests:\s+(\d+)/),
    p50Ms: num(/^\s+50%\s+(\d+)/m),
    p99Ms: num(/^\s+99%\s+(\d+)/m),
    maxMs: num(/^\s+100%\s+(\d+)/m),
    failed: num(/Failed requests:\s+(\d+)/),
  };
}
