/**
 * Promotion = one pointer write, after the verdict is stored: a new version of `/kiln/<channel>/ami`
 * (data type aws:ec2:image), labelled `verdict-<sha256 of the verdict file>`, with the AMI tagged
 * `kiln:verdict:<digest>=pass`, `kiln:verdict-digest`, `kiln:run-id`, `kiln:promoted=true`. The channel is
 * the tier for a base image, `<tier>.<app>` for a release of a team's app (targets/channel.ts).
 *
 * Concurrency. SSM has no compare-and-set, so trust is not in "who wrote last" but in a binding
 * that only a promoter that checked a passing verdict can create, in this order:
 *   1. the verdict says pass for this tier and this AMI (fail closed), the AMI exists and is not revoked;
 *   2. the AMI gets the verdict tag (a key per digest: concurrent promoters never overwrite each other);
 *   3. PutParameter makes version N (SSM serialises writers: each gets its own N), which exists only once
 *      SSM's asynchronous aws:ec2:image validation passes: the promoter waits for it (image-parameter.ts) and
 *      fails, the pointer unchanged, if it never appears;
 *   4. version N gets the verdict label (unique per digest, so it lands on N only).
 * `promoted()` trusts the newest version only when its label names a digest that the AMI carries as
 * a pass tag. A writer that skipped the checks (a human, another tool), or a promoter that died
 * between 3 and 4, leaves an unlabelled newest version: deploy refuses it (fails closed) until a
 * promoter runs again. After writing, the promoter compares N with the version it read before
 * (expected + 1): anything in between was a concurrent promoter, reported, never silently lost.
 */
import { CreateTagsCommand, DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { LabelParameterVersionCommand, PutParameterCommand, UnlabelParameterVersionCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { InputError } from '../../images/errors.ts';
import { channelOf } from '../channel.ts';
import { awaitImageVersion, type AwaitImageVersionOptions } from './image-parameter.ts';
import { history, latest, parameterName, SSM_MAX_VERSIONS, verdictLabel } from './pointer.ts';
import { TAG, tagMap, toAwsTags, verdictTagKey } from './tags.ts';
import { PromotionRefusedError, readVerdict } from './verdict.ts';

export interface PromoteInput {
  tier: string;
  amiId: string;
  verdictPath: string;
  /** Run id to tag with; defaults to the verdict's, then to the digest's first 12 hex digits. */
  runId?: string;
  parameterPrefix?: string;
  /** The bounded wait for SSM to validate the AMI id and create the version. */
  validation?: AwaitImageVersionOptions;
}

export interface PromoteResult {
  tier: string;
  /** `<tier>` or `<tier>.<app>`: whose pointer was written. */
  channel: string;
  parameter: string;
  amiId: string;
  version: number;
  label: string;
  verdictDigest: string;
  /** The newest version before this write (0: none). */
  expectedVersion: number;
  /** The image of the version just below this one in the history (what this promotion replaced), if any. */
  previousAmiId?: string;
  /** Versions other promoters wrote between our read and our write. */
  concurrentVersions: number[];
  /** False when another promoter wrote after us: the pointer names their (also verified) image. */
  isLatest: boolean;
}

export async function promote(c: { ssm: SSMClient; ec2: EC2Client }, input: PromoteInput): Promise<PromoteResult> {
  const v = readVerdict(input.verdictPath);
  if (v.tier !== input.tier)
    throw new InputError('--tier', input.tier, `the verdict's tier (${v.tier})`, 'promote the verdict with the tier it was verified on');
  if (v.amiId !== input.amiId)
    throw new InputError('amiId', input.amiId, `the verdict's image (${v.amiId})`, 'promote the image the verdict is about');

  const image = (await c.ec2.send(new DescribeImagesCommand({ ImageIds: [v.amiId] }))).Images?.[0];
  if (image?.State !== 'available') {
    throw new PromotionRefusedError(`image ${v.amiId} is ${image?.State ?? 'missing'}: only an available image is promoted`);
  }
  const imageTags = tagMap(image.Tags);
  if (imageTags[TAG.revoked])
    throw new PromotionRefusedError(`image ${v.amiId} was revoked (${imageTags[TAG.revoked]}): it is never promoted again`);
  if (imageTags[TAG.tier] && imageTags[TAG.tier] !== v.tier) {
    throw new InputError(
      '--tier',
      v.tier,
      `the image's own tier tag (${imageTags[TAG.tier]})`,
      'promote the image on the tier it was baked for',
    );
  }
  // The channel comes from the verdict's lineage; the image's own app tag must say the same (a release never lands on the base's pointer).
  if ((imageTags[TAG.app] ?? null) !== v.app) {
    throw new PromotionRefusedError(
      `image ${v.amiId} carries app ${JSON.stringify(imageTags[TAG.app] ?? null)}, the verdict's lineage ${JSON.stringify(v.app)}: not promoted`,
    );
  }
  const channel = channelOf(v.tier, v.app);

  const name = parameterName(channel, input.parameterPrefix);
  const before = await history(c.ssm, name);
  const expectedVersion = latest(before)?.Version ?? 0;
  // SSM drops the oldest version at 100 but refuses to drop a labelled one: free it first.
  const oldest = before[0];
  if (before.length >= SSM_MAX_VERSIONS && oldest?.Labels?.length) {
    await c.ssm.send(new UnlabelParameterVersionCommand({ Name: name, ParameterVersion: oldest.Version, Labels: oldest.Labels }));
  }

  const runId = input.runId ?? v.runId ?? v.digest.slice(0, 12);
  await c.ec2.send(
    new CreateTagsCommand({
      Resources: [v.amiId],
      Tags: toAwsTags({ [verdictTagKey(v.digest)]: 'pass', [TAG.verdictDigest]: v.digest, [TAG.runId]: runId, [TAG.promoted]: 'true' }),
    }),
  );

  const put = await c.ssm.send(
    new PutParameterCommand({
      Name: name,
      Value: v.amiId,
      Type: 'String',
      DataType: 'aws:ec2:image',
      Overwrite: true,
      Description: v.app ? `kiln promoted release of ${v.app} on tier ${v.tier}` : `kiln promoted image for tier ${v.tier}`,
    }),
  );
  const version = put.Version!;
  // A 200 from PutParameter does not mean version N exists: labelling it before validation ends fails.
  await awaitImageVersion(c.ssm, name, version, v.amiId, input.validation);
  const label = verdictLabel(v.digest);
  const labelled = await c.ssm.send(new LabelParameterVersionCommand({ Name: name, ParameterVersion: version, Labels: [label] }));
  if (labelled.InvalidLabels?.length) throw new Error(`SSM rejected label ${label}: ${labelled.InvalidLabels.join(', ')}`);

  const after = await history(c.ssm, name);
  const newest = latest(after)?.Version ?? version;
  const concurrentVersions = after.map((p) => p.Version!).filter((n) => n > expectedVersion && n < version);
  const previousAmiId = after.filter((p) => p.Version! < version).at(-1)?.Value;
  return {
    tier: v.tier,
    channel,
    parameter: name,
    amiId: v.amiId,
    version,
    label,
    verdictDigest: v.digest,
    expectedVersion,
    ...(previousAmiId ? { previousAmiId } : {}),
    concurrentVersions,
    isLatest: newest === version,
  };
}
