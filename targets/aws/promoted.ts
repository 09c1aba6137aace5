/** What the pointer says now, and whether it can be trusted (see the binding described in promote.ts). */
import { DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { history, latest, parameterName, VERDICT_LABEL } from './pointer.ts';
import { TAG, tagMap, verdictTagKey } from './tags.ts';

export interface Promoted {
  /** The channel: a tier, or `<tier>.<app>`. */
  tier: string;
  parameter: string;
  amiId: string;
  version: number;
  labels: string[];
  /** Digest of the verdict bound to this version, when its label is there. */
  verdictDigest?: string;
  /** Label present and the AMI carries that verdict's pass tag. */
  verified: boolean;
  revoked: boolean;
  /** Why deploy must refuse this version; empty when it may deploy. */
  problems: string[];
}

/** The newest version of a channel's pointer (a tier, or `<tier>.<app>`); null when nothing was ever promoted on it. */
export async function promoted(
  c: { ssm: SSMClient; ec2: EC2Client },
  tier: string,
  opts: { parameterPrefix?: string } = {},
): Promise<Promoted | null> {
  const name = parameterName(tier, opts.parameterPrefix);
  const top = latest(await history(c.ssm, name));
  if (!top) return null;
  const amiId = top.Value!;
  const labels = top.Labels ?? [];
  const verdictDigest = labels.map((l) => l.match(VERDICT_LABEL)?.[1]).find(Boolean);
  const image = (await c.ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'image-id', Values: [amiId] }] }))).Images?.[0];
  const tags = tagMap(image?.Tags);
  const problems: string[] = [];
  if (!image) problems.push(`image ${amiId} does not exist (deregistered?)`);
  else if (image.State !== 'available') problems.push(`image ${amiId} is ${image.State}`);
  if (!verdictDigest)
    problems.push(`version ${top.Version} has no verdict label (written outside kiln promote, or a promoter died before labelling)`);
  else if (tags[verdictTagKey(verdictDigest)] !== 'pass')
    problems.push(`image ${amiId} carries no pass tag for verdict ${verdictDigest.slice(0, 12)}`);
  const revokedBy = [
    ...labels.filter((l) => l.startsWith('revoked-')),
    ...(tags[TAG.revoked] ? [`image tag ${TAG.revoked}=${tags[TAG.revoked]}`] : []),
  ];
  if (revokedBy.length) problems.push(`revoked (${revokedBy.join(', ')})`);
  return {
    tier,
    parameter: name,
    amiId,
    version: top.Version!,
    labels,
    verdictDigest,
    verified: Boolean(verdictDigest) && tags[verdictTagKey(verdictDigest!)] === 'pass',
    revoked: revokedBy.length > 0,
    problems,
  };
}
