/** The two Packer variants kiln writes from one model: what each feature flag turns on, as data. */

export interface PackerTarget {
  id: 'modern' | 'compat166';
  /** Bundle path of the rendered template (a full bake's; a release's is `templatePath(target, 'app')`). */
  path: string;
  /** `packer { required_version, required_plugins }`: 1.6.6 has no plugin installer and rejects the block. */
  requiredPlugins: boolean;
  /** `imds_support = "v2.0"` on the AMI: unknown to 1.6.6's built-in amazon builder. */
  imdsSupport: boolean;
  /** `metadata_options` on the build instance: unknown to 1.6.6. */
  metadataOptions: boolean;
  /** `deprecate_at` on the AMI: unknown to 1.6.6. */
  deprecateAt: boolean;
}

export const MODERN: PackerTarget = {
  id: 'modern',
  path: 'packer/image.pkr.hcl',
  requiredPlugins: true,
  imdsSupport: true,
  metadataOptions: true,
  deprecateAt: true,
};

/** What Debian's packer 1.6.6 can validate offline: the same model minus the fields it rejects (each flag above). */
export const COMPAT166: PackerTarget = {
  id: 'compat166',
  path: 'packer/compat/image.pkr.hcl',
  requiredPlugins: false,
  imdsSupport: false,
  metadataOptions: false,
  deprecateAt: false,
};

export const PACKER_TARGETS = [MODERN, COMPAT166] as const;

/**
 * What a bake lays down: `full` = the whole stack on stock Ubuntu; `app` = a release, a team's app on the
 * tier's promoted base AMI (provision.sh's KILN_LAYER). Only a bundle that carries an app has the second.
 */
export type PackerLayer = 'full' | 'app';

/** Bundle path of one variant's template: a release's templates sit under packer/release/, beside the full bake's. */
export const templatePath = (target: PackerTarget, layer: PackerLayer): string =>
  layer === 'full' ? target.path : target.path.replace(/^packer\//, 'packer/release/');

/** From a template's directory (`path.root`) back to the bundle root, e.g. `..` for packer/image.pkr.hcl. */
export const bundleRootOf = (bundlePath: string): string =>
  bundlePath
    .split('/')
    .slice(1)
    .map(() => '..')
    .join('/');

export const VARS_PATH = 'packer/image.pkrvars.json';

/** The amazon plugin and Packer versions the modern variant is written for. */
// Bounded to the tested major: a 2.x plugin may change the builder's fields under a kiln that never ran it.
export const AMAZON_PLUGIN = { source: 'github.com/hashicorp/amazon', version: '>= 1.3.0, < 2.0.0' };
export const PACKER_VERSION = '>= 1.10.0';
