/** Only the intended sockets listen off loopback (nginx :80 and sshd :22 by default); the intended ones do listen. */
import { type CheckResult, type Remote, DEFAULT_TIMEOUT_SEC, execError, fail, pass } from './types.ts';

export interface PublicListener {
  port: number;
  process: string;
}
export interface Listener {
  address: string;
  port: number;
  processes: string[];
  loopback: boolean;
}

/** Parses `ss -H -ltnp`: `LISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:(("nginx",pid=1,fd=6),…)`. */
export function parseSs(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5 || cols[0] !== 'LISTEN') continue;
    const local = cols[3];
    const sep = local.lastIndexOf(':');
    const address = local
      .slice(0, sep)
      .replace(/^\[|\]$/g, '')
      .replace(/%.*$/, '');
    const port = Number(local.slice(sep + 1));
    const processes = [...line.matchAll(/\("([^"]+)",pid=/g)].map((m) => m[1]);
    out.push({ address, port, processes: [...new Set(processes)], loopback: isLoopback(local) });
  }
  return out;
}

export function isLoopback(local: string): boolean {
  const addr = local.slice(0, local.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  return /^127\./.test(addr) || addr === '::1' || /%lo$/.test(addr) || /^::ffff:127\./.test(addr);
}

export function judgeListeners(listeners: Listener[], expected: readonly PublicListener[]): CheckResult {
  const id = 'listening';
  const exposed = listeners.filter((l) => !l.loopback);
  const intended = (l: Listener) => expected.some((e) => e.port === l.port && l.processes.includes(e.process));
  const unexpected = exposed.filter((l) => !intended(l));
  const missing = expected.filter((e) => !exposed.some((l) => l.port === e.port && l.processes.includes(e.process)));
  const show = (l: Listener) => `${l.address}:${l.port}(${l.processes.join(',') || '?'})`;
  const data = { exposed: exposed.map(show), unexpected: unexpected.map(show), missing };
  if (unexpected.length || missing.length) {
    const parts = [];
    if (unexpected.length) parts.push(`unexpected off-loopback listeners: ${unexpected.map(show).join(' ')}`);
    if (missing.length) parts.push(`not listening: ${missing.map((m) => `${m.process}:${m.port}`).join(' ')}`);
    return fail(id, parts.join('; '), data);
  }
  return pass(id, `off loopback only: ${exposed.map(show).join(' ') || 'nothing'}`, data);
}

export async function checkListening(remote: Remote, expected: readonly PublicListener[]): Promise<CheckResult> {
  const r = await remote.exec('ss -H -ltnp', { timeoutSec: DEFAULT_TIMEOUT_SEC, asRoot: true });
  if (r.exitCode !== 0) return execError('listening', r);
  return judgeListeners(parseSs(r.stdout), expected);
}
