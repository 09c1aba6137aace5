/**
 * Runs a production program so it reads the RENDERED files at their real paths, without changing the host:
 * a private mount + network namespace where each top-level dir of the rendered rootfs is a read-only overlay
 * (rendered files over the host's), /run and /var/log are fresh tmpfs, only `lo` exists, and every process
 * started inside dies with it (own PID namespace).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { shellQuote as q } from '../../lib/shell-quote.ts';

export interface SandboxSpec {
  /** The rendered image root (`<bundle>/rootfs`). */
  rootfs: string;
  /** Overlay layers above the rendered files (e.g. a copy with the owner provisioning gives a file). */
  overRoots?: string[];
  /** Extra overlay layers below the rendered files and above the host (e.g. a mount point for the venv). */
  extraRoots?: string[];
  /** [host path, path inside] bind mounts applied after the overlays (a rendered file or dir wins over them). */
  binds?: [string, string][];
  /** Directories created on the fresh /run and /var/log, with their owner (`user` or `user:group`). */
  dirs?: [string, string][];
  /** The command, run by bash inside the sandbox (after the mounts). */
  script: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface SandboxResult {
  exitCode: number;
  output: string;
  timedOut: boolean;
}

/** Top-level dirs (etc, opt, ...) any layer has; each becomes one overlay. */
function topDirs(roots: string[]): string[] {
  const names = new Set<string>();
  for (const r of roots) if (existsSync(r)) for (const n of readdirSync(r)) names.add(n);
  return [...names].sort();
}

export function sandboxScript(spec: SandboxSpec): string {
  const layers = [...(spec.overRoots ?? []), spec.rootfs, ...(spec.extraRoots ?? [])];
  const lines = ['set -eu', 'mount --make-rprivate /'];
  for (const top of topDirs(layers)) {
    const lower = [...layers.map((l) => join(l, top)).filter((p) => existsSync(p)), `/${top}`];
    if (!existsSync(`/${top}`)) throw new Error(`sandbox: /${top} does not exist on this host; cannot overlay it`);
    lines.push(`mount -t overlay kiln-validate -o ${q(`lowerdir=${lower.join(':')}`)} ${q(`/${top}`)}`);
  }
  lines.push('mount -t tmpfs -o mode=0755 kiln-run /run', 'mount -t tmpfs -o mode=0755 kiln-log /var/log');
  for (const [dir, owner] of spec.dirs ?? []) lines.push(`mkdir -p ${q(dir)}`, `chown ${q(owner)} ${q(dir)}`);
  for (const [src, dest] of spec.binds ?? []) lines.push(`mount --bind ${q(src)} ${q(dest)}`);
  lines.push('ip link set lo up', 'set +e', spec.script);
  return lines.join('\n');
}

/** Runs `spec.script` in the sandbox; its stdout+stderr interleaved are the evidence. */
export async function inSandbox(spec: SandboxSpec): Promise<SandboxResult> {
  // A private PID namespace too: whatever the script leaves running dies with it (--kill-child on timeout).
  const r = await execa(
    'unshare',
    ['--mount', '--net', '--pid', '--fork', '--kill-child', '--propagation', 'private', '--', 'bash', '-c', sandboxScript(spec)],
    {
      all: true,
      reject: false,
      timeout: spec.timeoutMs ?? 60_000,
      env: spec.env,
      stdin: 'ignore',
    },
  );
  return { exitCode: r.exitCode ?? -1, output: (r.all ?? '').trim(), timedOut: Boolean(r.timedOut) };
}
