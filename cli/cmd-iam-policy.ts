/** `kiln iam-policy [--ssm-prefix PATH]`: prints the IAM policy for the role kiln runs as. */
import { iamPolicy } from '../targets/aws/iam-policy.ts';
import { DEFAULT_PREFIX } from '../targets/aws/pointer.ts';
import { parse, type Options } from './args.ts';

export const help = `kiln iam-policy [--ssm-prefix PATH]   print the IAM policy for the role kiln runs as (JSON)
  --ssm-prefix PATH  where the promotion pointers live (default ${DEFAULT_PREFIX}, or KILN_AWS_SSM_PREFIX); the policy
                     allows the pointer calls only on PATH/*/ami
  \${KILN_REGION}, \${KILN_ACCOUNT} and \${KILN_BUILD_VPC} stay in the output for envsubst (docs/aws.md).
  Exit codes: 0 printed, 2 bad input (a flag).`;

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = { 'ssm-prefix': { type: 'string' } };

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  const prefix = (v['ssm-prefix'] as string | undefined) ?? (process.env.KILN_AWS_SSM_PREFIX || DEFAULT_PREFIX);
  process.stdout.write(`${JSON.stringify(iamPolicy(prefix), null, 2)}\n`);
  return 0;
}
