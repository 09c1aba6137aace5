/**
 * What the AWS target needs from a real account (region, network, verifier address, work dir, TTL, SSM
 * prefix, extra tags): from options (CLI flags) first, else `KILN_AWS_*` env vars, each checked here so a
 * bad value is exit 2 before anything is created. Network settings are only required by the operations
 * that use them (`required()`), so promote/janitor need none of them.
 */
import { join, resolve } from 'node:path';
import { InputError } from '../../images/errors.ts';
import { REPO_ROOT } from '../local/paths.ts';
import { DEFAULT_PREFIX } from './pointer.ts';

export interface AwsTargetOptions {
  region?: string;
  subnetId?: string;
  vpcId?: string;
  verifierCidr?: string;
  workDir?: string;
  ttlHours?: number | string;
  ssmPrefix?: string;
  /** Extra tags for everything a bake creates (checked again on the Packer var path). */
  tags?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
}

export interface AwsSettings {
  region: string | undefined;
  subnetId: string;
  vpcId: string;
  verifierCidr: string;
  workDir: string;
  ttlHours: number;
  ssmPrefix: string;
  tags: Record<string, string>;
  env: NodeJS.ProcessEnv;
}

interface Field {
  key: keyof AwsTargetOptions;
  flag: string;
  env: string;
  pattern: RegExp;
  allowed: string;
  example: string;
}

export const AWS_FIELDS: Field[] = [
  {
    key: 'region',
    flag: '--region',
    env: 'KILN_AWS_REGION',
    pattern: /^[a-z]{2}(-[a-z]+)+-[0-9]+$/,
    allowed: 'an AWS region name',
    example: 'us-east-1',
  },
  {
    key: 'subnetId',
    flag: '--subnet',
    env: 'KILN_AWS_SUBNET_ID',
    pattern: /^subnet-[0-9a-f]{8,17}$/,
    allowed: 'a subnet id',
    example: 'subnet-0123456789abcdef0',
  },
  {
    key: 'vpcId',
    flag: '--vpc',
    env: 'KILN_AWS_VPC_ID',
    pattern: /^vpc-[0-9a-f]{8,17}$/,
    allowed: 'a VPC id',
    example: 'vpc-0123456789abcdef0',
  },
  {
    key: 'verifierCidr',
    flag: '--verifier-cidr',
    env: 'KILN_AWS_VERIFIER_CIDR',
    pattern: /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\/(3[0-2]|[12]\d|[1-9])$/,
    allowed: "one IPv4 CIDR narrower than /0 (the verifier's address as /32)",
    example: '203.0.113.7/32',
  },
  {
    key: 'ttlHours',
    flag: '--ttl-hours',
    env: 'KILN_AWS_TTL_HOURS',
    pattern: /^[1-9]\d{0,3}$/,
    allowed: 'whole hours from 1 to 9999 (how long unpromoted leftovers live)',
    example: '24',
  },
  {
    key: 'ssmPrefix',
    flag: '--ssm-prefix',
    env: 'KILN_AWS_SSM_PREFIX',
    pattern: /^(?!\/(aws|ssm)(\/|$))(\/[A-Za-z0-9_.-]{1,64}){1,8}$/i,
    allowed: 'an SSM path like /kiln (letters, digits, _ . -; not under /aws or /ssm)',
    example: '/kiln',
  },
  {
    key: 'workDir',
    flag: '--work-dir',
    env: 'KILN_AWS_WORK_DIR',
    pattern: /^[^\0\n]+$/,
    allowed: 'a directory path',
    example: '.kiln/aws',
  },
];

const fieldOf = (key: keyof AwsTargetOptions) => AWS_FIELDS.find((f) => f.key === key)!;

// Terraform interpolates `${` and `%{` in any string of a synthesized stack; Packer's amazon builder runs `{{` as a Go template.
const INTERPOLATION = /\$\{|%\{|\{\{/;

/** Tag values that reach AWS as data only: no template or interpolation syntax in keys or values. */
export function checkTagSyntax(tags: Record<string, string>, where = '--tag'): void {
  for (const [k, v] of Object.entries(tags)) {
    const bad = [k, v].find((s) => INTERPOLATION.test(s));
    if (bad !== undefined)
      throw new InputError(
        `${where} ${k}`,
        bad,
        'must not contain "${", "%{" (Terraform evaluates them in stack files) or "{{" (Packer runs it as a Go template)',
        'remove the interpolation syntax',
      );
  }
}

export function awsSettings(o: AwsTargetOptions = {}): AwsSettings {
  const env = o.env ?? process.env;
  const pick = (key: keyof AwsTargetOptions, fallback = ''): string => {
    const f = fieldOf(key);
    const given = o[key] ?? env[f.env];
    if (given === undefined || given === '') return fallback;
    const text = String(given);
    if (!f.pattern.test(text)) {
      const from = o[key] !== undefined ? f.flag : f.env;
      throw new InputError(from, text, `must be ${f.allowed}`, `pass ${f.flag} ${f.example} (or set ${f.env})`);
    }
    return text;
  };
  const tags = o.tags ?? {};
  checkTagSyntax(tags);
  return {
    region: pick('region') || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    subnetId: pick('subnetId'),
    vpcId: pick('vpcId'),
    verifierCidr: pick('verifierCidr'),
    workDir: resolve(pick('workDir', join(REPO_ROOT, '.kiln/aws'))),
    ttlHours: Number(pick('ttlHours', '24')),
    ssmPrefix: pick('ssmPrefix', DEFAULT_PREFIX),
    tags,
    env,
  };
}

/** The settings one operation cannot do without; names the flag and the env var of the first one missing. */
export function required<K extends 'region' | 'subnetId' | 'vpcId' | 'verifierCidr'>(
  s: AwsSettings,
  keys: K[],
  what: string,
): { [P in K]: string } {
  for (const key of keys) {
    if (!s[key]) {
      const f = fieldOf(key);
      const alt = key === 'region' ? ', AWS_REGION' : '';
      throw new InputError(f.flag, null, `is required for ${what} (${f.allowed})`, `pass ${f.flag} ${f.example} or set ${f.env}${alt}`);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, s[k]])) as { [P in K]: string };
}
