import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { placed, type Placement } from '../cpus.ts';

export interface WrkResult {
  rps: number;
  requests: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** non-2xx/3xx responses plus socket errors, as wrk reports them */
  errors: number;
}

/** Debian's wrk (closed loop: each connection sends its next request when the last returns). */
export async function runWrk(
  url: string,
  o: { threads: number; connections: number; durationSec: number; place?: Placement },
): Promise<WrkResult> {
  const args = ['-t', String(o.threads), '-c', String(o.connections), '-d', `${o.durationSec}s`, '--latency', url];
  const [cmd, ...rest] = placed(o.place, ['wrk', ...args]);
  const { stdout } = await promisify(execFile)(cmd, rest, { timeout: (o.durationSec + 30) * 1000 });
  return parseWrk(stdout);
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function ms(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`wrk: cannot read a latency from "${text}"`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

export function parseWrk(out: string): WrkResult {
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out);
    if (!m) throw new Error(`wrk: no ${p}% line in:\n${out}`);
    return ms(m[1]);
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const reqs = /(\d+) requests in/.exec(out);
  const max = /Latency\s+\S+\s+\S+\s+(\S+)/.exec(out);
  if (!rps || !reqs || !max) throw new Error(`wrk: unexpected output:\n${out}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const sockErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    rps: Number(rps[1]),
    requests: Number(reqs[1]),
    p50Ms: pct('50'),
    p90Ms: pct('90'),
    p99Ms: pct('99'),
    maxMs: ms(max[1]),
    errors: (non2xx ? Number(non2xx[1]) : 0) + sockErrors,
  };
}
