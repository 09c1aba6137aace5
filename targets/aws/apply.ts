/** Applies a synthesized stack with whatever the user has: terraform on the stack's JSON, else says what to install. */
import { execa } from 'execa';
import { MissingPrerequisiteError, parseSemver, probe } from './prereq.ts';

export interface ApplyTool {
  kind: 'terraform';
  path: string;
  version: string;
}

export const APPLY_HINT =
  'terraform >= 1.5 on PATH (apply runs `terraform init` + `apply` on the synthesized cdk.tf.json; '
  + 'it downloads the hashicorp/aws provider, so it needs the registry or a provider mirror), or run `npx cdktf-cli deploy` yourself on the synthesized stack';

export async function findApplyTool(): Promise<ApplyTool | null> {
  const tf = await probe('terraform', ['version']);
  const v = tf && parseSemver(tf.output);
  return tf && v ? { kind: 'terraform', path: tf.path, version: v.join('.') } : null;
}

/** `terraform init` then `apply` in the stack directory, output streamed to stderr. Throws on failure. */
export async function applyStack(
  stackDir: string,
  tool: ApplyTool | null,
  opts: { destroy?: boolean; env?: Record<string, string> } = {},
): Promise<void> {
  if (!tool)
    throw new MissingPrerequisiteError([`apply tool: ${APPLY_HINT}; the stack is synthesized in ${stackDir}`], 'kiln deploy --target aws');
  const run = (args: string[]) =>
    execa(tool.path, [`-chdir=${stackDir}`, ...args], {
      stdout: ['pipe', process.stderr],
      stderr: ['pipe', process.stderr],
      env: { ...opts.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' },
    });
  await run(['init', '-input=false']);
  await run([opts.destroy ? 'destroy' : 'apply', '-input=false', '-auto-approve']);
}

/** Reads one output of an applied stack (`terraform output -raw NAME`). */
export async function stackOutput(stackDir: string, tool: ApplyTool, name: string): Promise<string> {
  const r = await execa(tool.path, [`-chdir=${stackDir}`, 'output', '-raw', name], { env: { CHECKPOINT_DISABLE: '1' } });
  return r.stdout.trim();
}
