/** The Packer vars of one AWS bake: the bundle's var file through the checked path (images/packer/vars.ts), plus what only the bake knows. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DISTROS } from '../../images/distro.ts';
import { InputError } from '../../images/errors.ts';
import type { Arch } from '../../images/packer/input.ts';
import { VARS_PATH, type PackerLayer } from '../../images/packer/targets.ts';
import { DEFAULT_BAKE, packerVars } from '../../images/packer/vars.ts';
import type { Tier } from '../../images/tiers.ts';
import { WEB } from '../../images/web.ts';
import { bundleApp } from './layers.ts';
import { checkTagSyntax } from './settings.ts';

export interface BakeTimeVars {
  region: string;
  bakeId: string;
  ttlHours: number;
  subnetId: string;
  vpcId: string;
  tags: Record<string, string>;
  /** The app build's sha256 (manifest.json app.sha256), for a bundle with an app. */
  appSha256?: string;
  /** A release's base AMI id. */
  sourceAmi?: string;
  /** The machine running Packer as a CIDR (the verifier CIDR setting): the only source the build instance admits to SSH. */
  sshSourceCidr?: string;
}

/** Patterns, tag rules and the app's name checked again; throws InputError (exit 2) before anything is created. */
export function bakeTimeVars(tier: Tier, bundleDir: string, layer: PackerLayer, o: BakeTimeVars): Record<string, unknown> {
  const path = join(bundleDir, VARS_PATH);
  if (!existsSync(path))
    throw new InputError('bundle', bundleDir, `a kiln render output with ${VARS_PATH}`, 'render the tier for ubuntu2404 first');
  const base = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const arch: Arch = tier.instanceTypes.x86_64[0] === base.instance_type ? 'x86_64' : 'arm64';
  // A bundle with an app names it in its var file and in manifest.json: the two must agree.
  const named = typeof base.app_name === 'string' ? base.app_name : null;
  const app = bundleApp(bundleDir);
  if (named !== (app?.name ?? null))
    throw new InputError(
      'bundle',
      bundleDir,
      `a var file and manifest.json naming the same app (${named} vs ${app?.name ?? null})`,
      'render the bundle again',
    );
  const recipe = {
    ...WEB,
    name: String(base.recipe),
    tags: (base.tags ?? {}) as Record<string, string>,
    app: { ...WEB.app, name: named ?? WEB.app.name },
  };
  const vars = packerVars(
    { tier, recipe, distro: DISTROS.ubuntu2404, imageHash: String(base.image_hash), arch, app: named !== null },
    { ...DEFAULT_BAKE, ...o },
    layer,
  );
  checkTagSyntax(vars.tags as Record<string, string>, 'tags');
  return vars;
}
