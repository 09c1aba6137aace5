/** The two Packer variants kiln writes from one model: what each feature flag turns on, as data. */

export interface PackerTarget {
  id: 'modern' | 'compat166';
  /** Bundle path of the rendered template. */
  path: string;
  /** From the template's directory (`path.root`) back to the bundle root. */
  bundleRootFromTemplate: string;
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
  bundleRootFromTemplate: '..',
  requiredPlugins: true,
  imdsSupport: true,
  metadataOptions: true,
  deprecateAt: true,
};

/** What Debian's packer 1.6.6 can validate offline: the same model minus what it rejects (FIELD-NOTES). */
export const COMPAT166: PackerTarget = {
  id: 'compat166',
  path: 'packer/compat/image.pkr.hcl',
  bundleRootFromTemplate: '../..',
  requiredPlugins: false,
  imdsSupport: false,
  metadataOptions: false,
  deprecateAt: false,
};

export const PACKER_TARGETS = [MODERN, COMPAT166] as const;

export const VARS_PATH = 'packer/image.pkrvars.json';

/** The amazon plugin and Packer versions the modern variant is written for. */
export const AMAZON_PLUGIN = { source: 'github.com/hashicorp/amazon', version: '>= 1.3.0' };
export const PACKER_VERSION = '>= 1.10.0';
