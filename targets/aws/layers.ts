/**
 * An AMI's layers (model/lineage.ts ImageLayer), bottom first, from the tags the Packer template writes: the OS
 * image (stock Ubuntu) or the base AMI a release was built on, then the team's app. Plus what a release bake checks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { InputError } from '../../images/errors.ts';
import type { ImageLayer } from '../../model/lineage.ts';
import { TAG, tagMap } from './tags.ts';

export const AMI_REF = /^(?:([a-z]{2}(?:-[a-z]+)+-\d+):)?(ami-[0-9a-f]{8,17})$/;

/**
 * `ref` is the image's own `region:ami-…`. `baseLayers`: the base image's own layers, when known (the bake knows
 * them); without them a release's layers start at its base image.
 */
export function layersOf(tags: Record<string, string>, ref: string, baseLayers: ImageLayer[] = []): ImageLayer[] {
  const region = ref.split(':')[0];
  const base = tags[TAG.baseAmi];
  const below: ImageLayer[] = base
    ? [...baseLayers.filter((l) => l.kind === 'os'), { kind: 'base', ref: `${region}:${base}` }]
    : tags[TAG.sourceAmi]
      ? [{ kind: 'os', ref: tags[TAG.sourceAmi] }]
      : [];
  const name = tags[TAG.app];
  const sha256 = tags[TAG.appSha256];
  return [...below, ...(name && sha256 ? [{ kind: 'app' as const, ref, app: { name, sha256 } }] : [])];
}

/** The team's app a bundle carries (manifest.json: the recipe's app name, the build's sha256); null for the canary. */
export function bundleApp(bundleDir: string): { name: string; sha256: string } | null {
  const doc = JSON.parse(readFileSync(join(bundleDir, 'manifest.json'), 'utf8')) as {
    app?: { kind?: string; sha256?: string };
    recipe?: { app?: { name?: string } };
  };
  if (!doc.app || doc.app.kind === 'canary') return null;
  const name = doc.recipe?.app?.name;
  const sha256 = doc.app.sha256;
  if (typeof name !== 'string' || typeof sha256 !== 'string') {
    throw new InputError(
      'bundle',
      bundleDir,
      'a manifest.json naming its app (recipe.app.name, app.sha256)',
      'render the bundle again with this kiln',
    );
  }
  return { name, sha256 };
}

/** The image a release goes on: a visible, available base AMI (no app of its own) of the same tier, in this region. */
export async function releaseBase(
  ec2: EC2Client,
  ref: string,
  tier: string,
  region: string,
): Promise<{ amiId: string; ref: string; tags: Record<string, string> }> {
  const m = AMI_REF.exec(ref);
  if (!m)
    throw new InputError(
      '--base',
      ref,
      'an AWS image ref (region:ami-… or ami-…)',
      "pass the tier's promoted base (kiln promoted --target aws --tier T)",
    );
  if (m[1] && m[1] !== region)
    throw new InputError('--base', ref, `an image in ${region} (the bake's region)`, 'copy the image to this region or bake there');
  const amiId = m[2];
  const found = (await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'image-id', Values: [amiId] }] }))).Images?.[0];
  if (!found)
    throw new InputError(
      '--base',
      ref,
      `an AMI visible in ${region}`,
      "pass the tier's promoted base (kiln promoted --target aws --tier T)",
    );
  const tags = tagMap(found.Tags);
  if (tags[TAG.tier] !== tier) {
    throw new InputError(
      '--base',
      ref,
      `an image of tier ${tier} (its kiln:tier tag is ${JSON.stringify(tags[TAG.tier] ?? null)})`,
      `bake the release on tier ${tier}'s promoted base`,
    );
  }
  if (tags[TAG.app])
    throw new InputError(
      '--base',
      ref,
      `a base image (stack + canary); it is a release of ${tags[TAG.app]}`,
      `bake the release on tier ${tier}'s promoted base`,
    );
  if (tags[TAG.revoked])
    throw new InputError(
      '--base',
      ref,
      `an image that was not revoked (${tags[TAG.revoked]})`,
      `bake the release on tier ${tier}'s promoted base`,
    );
  if (found.State !== 'available')
    throw new InputError('--base', ref, `an available image (it is ${found.State})`, 'wait for it, or pass another base');
  return { amiId, ref: `${region}:${amiId}`, tags };
}
