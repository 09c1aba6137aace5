/** What every state check returns, and the one capability checks need from a host. */
import type { ExecOptions, ExecResult } from '../ssh.ts';

export type CheckStatus = 'pass' | 'fail' | 'error';

export interface CheckResult {
  id: string;
  status: CheckStatus;
  /** One human-readable line: what was seen, enough to act on. */
  evidence: string;
  /** Structured detail for the verdict and report. */
  data?: unknown;
}

/** Anything that can run a bounded shell command on the host (an SshSession in practice). */
export interface Remote {
  exec(command: string, opts: ExecOptions): Promise<ExecResult>;
}

export const DEFAULT_TIMEOUT_SEC = 30;

export const pass = (id: string, evidence: string, data?: unknown): CheckResult => ({ id, status: 'pass', evidence, data });
export const fail = (id: string, evidence: string, data?: unknown): CheckResult => ({ id, status: 'fail', evidence, data });
export const error = (id: string, evidence: string, data?: unknown): CheckResult => ({ id, status: 'error', evidence, data });

/** A command that could not run to completion is an error, with its own words as evidence. */
export function execError(id: string, r: ExecResult): CheckResult {
  const why = r.timedOut ? 'timed out' : `exit ${r.exitCode ?? 'none'}${r.signal ? ` (${r.signal})` : ''}`;
  return error(id, `\`${r.command.slice(0, 80)}\` ${why}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
}

/** Runs a check body; anything thrown becomes an `error` result rather than a crash or a pass. */
export async function guarded(id: string, body: () => Promise<CheckResult | CheckResult[]>): Promise<CheckResult[]> {
  try {
    const r = await body();
    return Array.isArray(r) ? r : [r];
  } catch (err) {
    return [error(id, `check crashed: ${(err as Error).message}`)];
  }
}

export { shellQuote } from '../../lib/shell-quote.ts';
