/** Runs Debian's packer fully offline: no checkpoint call, no AWS profile or instance metadata, caches in scratch. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

export interface PackerRun {
  exitCode: number;
  output: string;
}

/**
 * The Packer that reads the 1.6.6 templates offline: KILN_VALIDATE_PACKER (a path) where a bake's Packer >= 1.10 is
 * first on PATH (it has no amazon plugin offline and cannot validate them), else `packer` from PATH.
 */
export const validatePacker = (env: NodeJS.ProcessEnv = process.env): string => env.KILN_VALIDATE_PACKER || 'packer';

/** No real credentials or profile: dummy keys satisfy the amazon builder's offline checks. */
export async function packerEnv(scratch: string): Promise<Record<string, string>> {
  const dirs = { PACKER_CACHE_DIR: join(scratch, 'cache'), TMPDIR: join(scratch, 'tmp'), HOME: join(scratch, 'home') };
  for (const d of Object.values(dirs)) await mkdir(d, { recursive: true });
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...dirs,
    CHECKPOINT_DISABLE: '1',
    PACKER_NO_COLOR: '1',
    AWS_ACCESS_KEY_ID: 'AKIAKILNVALIDATEONLY',
    AWS_SECRET_ACCESS_KEY: 'kiln-validate-dummy-secret',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    // Any call off loopback goes to a closed local port and fails at once: offline by construction.
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '127.0.0.1,localhost',
  };
}

export async function runPacker(
  args: string[],
  cwd: string,
  scratch: string,
  timeoutSec = 120,
  input?: string,
  extraEnv: Record<string, string> = {},
): Promise<PackerRun> {
  const r = await execa(validatePacker(), args, {
    cwd,
    env: { ...(await packerEnv(scratch)), ...extraEnv },
    extendEnv: false,
    reject: false,
    all: true,
    ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
    timeout: timeoutSec * 1000,
    killSignal: 'SIGTERM',
  });
  const tail = r.timedOut ? `\n(packer ${args[0]} timed out after ${timeoutSec} s)` : '';
  return { exitCode: r.exitCode ?? -1, output: `${(r.all ?? '').trim()}${tail}` };
}
