/** Missing tools or credentials: says what to install or set. Exit 2, raised before anything is created. */
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { InputError } from '../../images/errors.ts';

export class MissingPrerequisiteError extends InputError {
  constructor(
    readonly problems: string[],
    what: string,
  ) {
    super(
      'prerequisites',
      problems.map((p) => p.split(':')[0]),
      `${what} needs: ${problems.join('; ')}`,
      'install or set the above, then run again (docs/aws.md, "Running against a real account")',
    );
    this.name = 'MissingPrerequisiteError';
  }
}

/** `name --version`-style probe; null when the binary is not on PATH. */
export async function probe(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ path: string; output: string } | null> {
  try {
    const which = await execa('/bin/sh', ['-c', 'command -v "$1"', 'sh', cmd], { reject: false, env, extendEnv: false });
    if (which.exitCode !== 0 || !which.stdout.trim()) return null;
    const path = which.stdout.trim();
    const r = await execa(path, args, { reject: false, timeout: 20_000, env: { ...env, CHECKPOINT_DISABLE: '1' }, extendEnv: false });
    return { path, output: `${r.stdout}\n${r.stderr}`.trim() };
  } catch {
    return null;
  }
}

export function parseSemver(text: string): [number, number, number] | null {
  const m = text.match(/v?(\d+)\.(\d+)\.(\d+)/);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

export const atLeast = (v: [number, number, number], min: [number, number, number]) =>
  v[0] !== min[0] ? v[0] > min[0] : v[1] !== min[1] ? v[1] > min[1] : v[2] >= min[2];

/**
 * Whether AWS credentials are configured, judged from the environment and the shared files only:
 * no call to the instance metadata address (this must also answer on machines without a network).
 */
export function credentialSource(env: NodeJS.ProcessEnv, home = env.HOME ?? ''): string | null {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return 'environment (AWS_ACCESS_KEY_ID)';
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return 'web identity (AWS_ROLE_ARN)';
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return 'container credentials';
  if (env.AWS_PROFILE) return `profile ${env.AWS_PROFILE}`;
  if (env.KILN_AWS_INSTANCE_ROLE === '1') return 'instance role (KILN_AWS_INSTANCE_ROLE=1)';
  const files = [env.AWS_SHARED_CREDENTIALS_FILE ?? `${home}/.aws/credentials`, env.AWS_CONFIG_FILE ?? `${home}/.aws/config`];
  for (const f of files) {
    try {
      if (/^\s*\[(default|profile default)\]/m.test(readFileSync(f, 'utf8'))) return `default profile in ${f}`;
    } catch {
      /* absent */
    }
  }
  return null;
}

export const CREDENTIALS_HINT =
  'AWS credentials: none found; set AWS_PROFILE (aws configure / aws sso login), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, '
  + 'or in CI assume a role with aws-actions/configure-aws-credentials (OIDC); on an EC2 builder set KILN_AWS_INSTANCE_ROLE=1';
