/** Revocation marks a promoted version (label) and its image (tag) so deploy and promote refuse them. */
import { CreateTagsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { LabelParameterVersionCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { InputError } from '../../images/errors.ts';
import { history, parameterName, revokedLabel } from './pointer.ts';
import { TAG, toAwsTags } from './tags.ts';

export interface RevokeResult {
  tier: string;
  parameter: string;
  version: number;
  amiId: string;
  label: string;
}

export async function revoke(
  c: { ssm: SSMClient; ec2: EC2Client },
  input: { tier: string; version: number; reason?: string; now?: Date; parameterPrefix?: string },
): Promise<RevokeResult> {
  const name = parameterName(input.tier, input.parameterPrefix);
  const h = await history(c.ssm, name);
  const entry = h.find((p) => p.Version === input.version);
  if (!entry) {
    throw new InputError(
      '--version',
      input.version,
      `a stored version of ${name} (${h.map((p) => p.Version).join(', ') || 'none'})`,
      'pick one from kiln promoted',
    );
  }
  const label = revokedLabel(input.version);
  await c.ssm.send(new LabelParameterVersionCommand({ Name: name, ParameterVersion: input.version, Labels: [label] }));
  // The image itself is bad, whichever versions point at it: tag it too.
  const when = (input.now ?? new Date()).toISOString();
  await c.ec2.send(
    new CreateTagsCommand({
      Resources: [entry.Value!],
      Tags: toAwsTags({ [TAG.revoked]: input.reason ? `${when} ${input.reason}`.slice(0, 256) : when }),
    }),
  );
  return { tier: input.tier, parameter: name, version: input.version, amiId: entry.Value!, label };
}
