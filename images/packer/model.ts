/** The Packer template as typed data: pure, from tier + recipe + distro + image hash, for one target. */
import {
  attr,
  attrs,
  block,
  bool,
  call,
  list,
  num,
  obj,
  op,
  ref,
  str,
  tmpl,
  type Block,
  type HclFile,
  type Item,
  type Ref,
  type Value,
} from './ast.ts';
import { UBUNTU_ARCH, type Arch, type PackerInput } from './input.ts';
import { AMAZON_PLUGIN, bundleRootOf, PACKER_VERSION, templatePath, type PackerLayer, type PackerTarget } from './targets.ts';
import { variablesOf } from './vars.ts';

/** Where each Packer-built distro's base AMI comes from (Canonical's account). */
export const SOURCE_AMIS: Record<string, { owner: string; name: (arch: Arch) => string }> = {
  ubuntu2404: { owner: '099720109477', name: (arch) => `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${UBUNTU_ARCH[arch]}-server-*` },
};

/** The build instance's upload dir; provision.sh takes it as its argument. */
export const REMOTE_BUNDLE = '/tmp/kiln';
export const ROOT_DEVICE = '/dev/sda1';
/** Installed packages (`dpkg-query -W`: name TAB version), downloaded next to the bake for the verdict's lineage. */
export const PACKAGES_FILE = 'packages.tsv';
// gp3's free baseline; 1.6.6 rejects a gp3 device without throughput.
export const GP3 = { throughputMiBps: 125, iops: 3000 };

// The provisioning scripts run as root with the environment Packer sets.
const SUDO_EXEC = "chmod +x {{ .Path }}; {{ .Vars }} sudo -E bash '{{ .Path }}'";

/** 1.6.6 has no regex()/regexall() (and can() hides that): an anchored regex_replace leaves "" only on a full match. */
function matches(pattern: string, value: Ref): Value {
  const full = op(call('regex_replace', value, str(pattern), str('')), '==', str(''));
  return new RegExp(pattern).test('') ? full : op(op(value, '!=', str('')), '&&', full);
}

/** The layers a bundle's templates are rendered for: a release only when the bundle carries an app. */
export const packerLayers = (input: PackerInput): PackerLayer[] => (input.app ? ['full', 'app'] : ['full']);

const variableBlocks = (input: PackerInput, layer: PackerLayer): Block[] =>
  variablesOf(input.app, layer).map((v) =>
    block(
      'variable',
      [v.name],
      [
        attr('type', v.type === 'string' ? ref('string') : call('map', ref('string'))),
        attr('description', str(v.description)),
        v.default !== undefined && attr('default', str(v.default)),
        v.pattern !== undefined
          && block(
            'validation',
            [],
            [
              attr('condition', matches(v.pattern, ref(`var.${v.name}`))),
              attr('error_message', str(`The ${v.name} value must match ${v.pattern}.`)),
            ],
          ),
      ],
    ),
  );

/** The image's layers as tags: its app (name, build) when it carries one, and for a release the base AMI it is built on. */
const layerTags = (input: PackerInput, layer: PackerLayer): Record<string, Value> => ({
  ...(input.app ? { 'kiln:app': ref('var.app_name'), 'kiln:app-sha256': ref('var.app_sha256') } : {}),
  ...(layer === 'app' ? { 'kiln:base-ami': ref('var.source_ami') } : {}),
});

const lineage = (input: PackerInput, layer: PackerLayer) =>
  block(
    'locals',
    [],
    [
      attr('image_hash_short', call('substr', ref('var.image_hash'), num(0), num(12))),
      attr(
        'lineage',
        obj({
          'kiln:tier': ref('var.tier'),
          'kiln:image-hash': ref('var.image_hash'),
          'kiln:recipe': ref('var.recipe'),
          'kiln:bake-id': ref('var.bake_id'),
          'kiln:ttl': ref('var.ttl'),
          // Go templates, filled by the amazon builder at build time.
          'kiln:source-ami': str('{{ .SourceAMI }}'),
          'kiln:source-ami-name': str('{{ .SourceAMIName }}'),
          ...layerTags(input, layer),
        }),
      ),
      // Lineage last: a user tag cannot overwrite it.
      attr('tags', call('merge', ref('var.tags'), ref('local.lineage'))),
      attr(
        'expiry',
        obj({ 'kiln:expires-at': call('timeadd', call('timestamp'), ref('var.ttl')) }),
        "run_tags also land on Packer's temporary security group, which has no creation time to count kiln:ttl from.",
      ),
      attr('run_tags', call('merge', ref('local.tags'), ref('local.expiry'))),
    ],
  );

/** Stock Ubuntu by Canonical's name filter for a full bake; a release starts from the promoted base AMI the bake names. */
function sourceAmi(input: PackerInput, layer: PackerLayer): Item[] {
  if (layer === 'app')
    return [attr('source_ami', ref('var.source_ami'), "A release: the tier's promoted base image, named in the var file by the bake.")];
  const ami = SOURCE_AMIS[input.distro.id];
  if (!ami) throw new Error(`kiln bug: distro ${input.distro.id} has no Packer source AMI`);
  return [
    block(
      'source_ami_filter',
      [],
      [
        attr(
          'filters',
          obj({
            architecture: str(input.arch),
            name: str(ami.name(input.arch)),
            'root-device-type': str('ebs'),
            'virtualization-type': str('hvm'),
          }),
        ),
        attr('most_recent', bool(true)),
        attr('owners', list(str(ami.owner))),
      ],
    ),
  ];
}

function source(input: PackerInput, target: PackerTarget, layer: PackerLayer): Block {
  return block(
    'source',
    ['amazon-ebs', 'kiln'],
    [
      ...attrs({
        region: ref('var.region'),
        instance_type: ref('var.instance_type'),
        ami_name: tmpl('kiln-', ref('var.recipe'), '-', ref('var.tier'), '-', ref('local.image_hash_short'), '-', ref('var.bake_id')),
        ami_description: tmpl('kiln ', ref('var.recipe'), ' image for tier ', ref('var.tier'), ', image hash ', ref('var.image_hash')),
        encrypt_boot: bool(true),
        ssh_username: str('ubuntu'),
        ssh_clear_authorized_keys: bool(true),
        temporary_key_pair_type: str('ed25519'),
        temporary_security_group_source_cidrs: list(ref('var.ssh_source_cidr')),
        subnet_id: ref('var.subnet_id'),
        vpc_id: ref('var.vpc_id'),
      }),
      target.imdsSupport && attr('imds_support', str('v2.0')),
      target.deprecateAt && attr('deprecate_at', call('timeadd', call('timestamp'), ref('var.deprecate_after'))),
      attr('tags', ref('local.tags'), 'Everything Packer creates carries the lineage, so a janitor can find leftovers.'),
      ...attrs({ run_tags: ref('local.run_tags'), run_volume_tags: ref('local.tags'), snapshot_tags: ref('local.tags') }),
      ...sourceAmi(input, layer),
      block(
        'launch_block_device_mappings',
        [],
        attrs({
          device_name: str(ROOT_DEVICE),
          volume_type: str('gp3'),
          volume_size: num(input.tier.rootVolumeGiB),
          throughput: num(GP3.throughputMiBps),
          iops: num(GP3.iops),
          delete_on_termination: bool(true),
          encrypted: bool(true),
        }),
        'The build volume encrypted too: encrypt_boot alone encrypts only the copy made afterwards.',
      ),
      target.metadataOptions
        && block(
          'metadata_options',
          [],
          attrs({
            http_endpoint: str('enabled'),
            http_tokens: str('required'),
            http_put_response_hop_limit: num(1),
          }),
          'IMDSv2 only on the build instance too.',
        ),
    ],
  );
}

function build(input: PackerInput, target: PackerTarget, layer: PackerLayer): Block {
  const root = bundleRootOf(templatePath(target, layer));
  const bundle = (dir: string) => tmpl(ref('path.root'), `/${root}/${dir}`);
  // A team's app (project dir or wheel, its requirements) travels as the bundle's app/ dir; provision.sh installs it.
  const uploads = [bundle('rootfs'), bundle('provision'), ...(input.app ? [bundle('app')] : [])];
  return block(
    'build',
    [],
    [
      attr('name', str('kiln')),
      attr('sources', list(str('source.amazon-ebs.kiln'))),
      block(
        'provisioner',
        ['shell'],
        attrs({
          inline: list(str(`mkdir -p ${REMOTE_BUNDLE}`), str('cloud-init status --wait')),
          valid_exit_codes: list(num(0), num(2)),
        }),
        'apt races cloud-init on first boot; status exits 2 for recoverable (deprecation) errors.',
      ),
      block(
        'provisioner',
        ['file'],
        attrs({
          sources: list(...uploads),
          destination: str(`${REMOTE_BUNDLE}/`),
        }),
      ),
      block(
        'provisioner',
        ['shell'],
        attrs({
          // KILN_LAYER=app: the base installed the stack, a release adds the app (no apt).
          environment_vars: list(str(`KILN_DISTRO=${input.distro.id}`), ...(layer === 'app' ? [str('KILN_LAYER=app')] : [])),
          execute_command: str(SUDO_EXEC),
          inline: list(str(`bash ${REMOTE_BUNDLE}/provision/provision.sh ${REMOTE_BUNDLE}`)),
        }),
      ),
      block(
        'provisioner',
        ['shell'],
        attrs({
          inline: list(str(`dpkg-query -W > ${REMOTE_BUNDLE}/${PACKAGES_FILE}`)),
        }),
        "The verdict records the image's package versions; dpkg-query's default format is name TAB version.",
      ),
      block(
        'provisioner',
        ['file'],
        attrs({
          direction: str('download'),
          source: str(`${REMOTE_BUNDLE}/${PACKAGES_FILE}`),
          destination: str(PACKAGES_FILE),
        }),
      ),
      block(
        'provisioner',
        ['shell'],
        attrs({
          execute_command: str(SUDO_EXEC),
          inline: list(str(`bash ${REMOTE_BUNDLE}/provision/hygiene.sh ${REMOTE_BUNDLE}`)),
        }),
        'Last step before the snapshot: nothing from the build may be shared by every box.',
      ),
      block(
        'post-processor',
        ['manifest'],
        [
          ...attrs({ output: str('packer-manifest.json'), strip_path: bool(true) }),
          attr(
            'custom_data',
            obj({ tier: ref('var.tier'), image_hash: ref('var.image_hash'), recipe: ref('var.recipe'), bake_id: ref('var.bake_id') }),
          ),
        ],
      ),
    ],
  );
}

/** The whole template for one target and layer; the targets differ only by the flags in targets.ts. */
export function packerModel(input: PackerInput, target: PackerTarget, layer: PackerLayer = 'full'): HclFile {
  if (layer === 'app' && !input.app) throw new Error('kiln bug: a release template needs a bundle with an app');
  const late = variablesOf(input.app, layer)
    .filter((v) => v.bakeTime)
    .map((v) => v.name);
  const packer =
    target.requiredPlugins
    && block(
      'packer',
      [],
      [
        attr('required_version', str(PACKER_VERSION)),
        block('required_plugins', [], [attr('amazon', obj({ source: str(AMAZON_PLUGIN.source), version: str(AMAZON_PLUGIN.version) }))]),
      ],
    );
  return {
    header: [
      'Generated by kiln (images/packer/model.ts): edit the model, not this file.',
      late.length
        ? `Target ${target.id}${layer === 'app' ? ', a release on a base AMI' : ''}; values from image.pkrvars.json, plus ${late.join(' and ')} from the bake.`
        : `Target ${target.id}; every value comes from the var file image.pkrvars.json.`,
    ],
    body: [
      ...(packer ? [packer] : []),
      ...variableBlocks(input, layer),
      lineage(input, layer),
      source(input, target, layer),
      build(input, target, layer),
    ],
  };
}
