/**
 * Test helper: real terraform on a synthesized stack, the hashicorp/aws provider taken from a filesystem
 * mirror, the provider pointed at the AWS emulator by an override file (product code and cdk.tf.json untouched).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { applyStack, findApplyTool, type ApplyTool } from './apply.ts';

/** Where the provider mirror is; KILN_TF_MIRROR overrides the example default. */
export const mirrorPath = () => process.env.KILN_TF_MIRROR ?? '/opt/tf-plugins';

export interface Terraform {
  tool: ApplyTool;
  /** Environment terraform needs for the mirror (TF_CLI_CONFIG_FILE). */
  env: Record<string, string>;
}

/** terraform and a mirror holding hashicorp/aws, or why a test must skip. */
export async function findTerraform(): Promise<Terraform | { skip: string }> {
  const tool = await findApplyTool();
  if (!tool) return { skip: 'skipped: no terraform' };
  const mirror = mirrorPath();
  if (!existsSync(join(mirror, 'registry.terraform.io/hashicorp/aws')))
    return { skip: `skipped: no provider mirror (hashicorp/aws under ${mirror}; set KILN_TF_MIRROR)` };
  const dir = mkdtempSync(join(tmpdir(), 'kiln-tfrc-'));
  const rc = join(dir, 'terraform.rc');
  // Only the mirror: a test must never reach the public registry.
  writeFileSync(
    rc,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`,
  );
  return { tool, env: { TF_CLI_CONFIG_FILE: rc } };
}

/** Every service endpoint the stacks' resources reach, all on the emulator's one port. */
const SERVICES = ['ec2', 'autoscaling', 'iam', 'ssm', 'elb', 'elbv2', 'sts', 'cloudwatch', 'secretsmanager'];

/**
 * The provider settings that send every call to the emulator with static test credentials. Credentials are
 * validated and the account id asked for as in a real run (sts:GetCallerIdentity): skipping them makes the
 * provider try iam:GetUser instead, and without the account id it writes other-account forms such as
 * `123456789012/sg-…` for referenced security groups, so every later plan differs.
 */
export function emulatorOverride(endpoint: string) {
  return {
    provider: {
      aws: {
        access_key: 'testing',
        secret_key: 'testing',
        skip_metadata_api_check: true,
        endpoints: [Object.fromEntries(SERVICES.map((s) => [s, endpoint]))],
      },
    },
  };
}

/** Writes the override next to cdk.tf.json; terraform merges `*_override.tf.json` into the provider block. */
export function pointAtEmulator(stackDir: string, endpoint: string): void {
  writeFileSync(join(stackDir, 'emulator_override.tf.json'), JSON.stringify(emulatorOverride(endpoint), null, 2));
}

const run = (tf: Terraform, stackDir: string, args: string[]) =>
  execa(tf.tool.path, [`-chdir=${stackDir}`, ...args], { env: { ...tf.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' }, all: true });

/** `terraform init` alone (from the mirror), for timing it apart from apply. */
export const init = (tf: Terraform, stackDir: string) => run(tf, stackDir, ['init', '-input=false']);
/** `terraform validate -json`: valid flag and diagnostics. */
export async function validate(tf: Terraform, stackDir: string): Promise<{ valid: boolean; diagnostics: unknown[] }> {
  const r = await run(tf, stackDir, ['validate', '-json']).catch((e) => e);
  return JSON.parse(r.stdout);
}
/** The product's apply path (applyStack: init + apply, or destroy), with the mirror's environment added. */
export const apply = (tf: Terraform, stackDir: string, opts: { destroy?: boolean } = {}) =>
  applyStack(stackDir, tf.tool, { ...opts, env: tf.env });
/** `terraform output -raw NAME` of an applied stack. */
export async function output(tf: Terraform, stackDir: string, name: string): Promise<string> {
  return (await run(tf, stackDir, ['output', '-raw', name])).stdout.trim();
}
/** `terraform state list`: the addresses terraform still manages. */
export async function stateList(tf: Terraform, stackDir: string): Promise<string[]> {
  const r = await run(tf, stackDir, ['state', 'list']).catch((e) => e);
  return String(r.stdout).split('\n').filter(Boolean);
}
/** `terraform plan -detailed-exitcode`: 0 when what is applied matches the stack, 2 when terraform would change something. */
export async function planExitCode(tf: Terraform, stackDir: string): Promise<{ code: number; output: string }> {
  const r = await execa(tf.tool.path, [`-chdir=${stackDir}`, 'plan', '-input=false', '-no-color', '-detailed-exitcode'], {
    env: { ...tf.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' },
    all: true,
    reject: false,
  });
  return { code: r.exitCode ?? -1, output: r.all ?? '' };
}
