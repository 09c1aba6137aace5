import { describe, expect, it } from 'vitest';
import { DISTROS } from '../distro.ts';
import { InputError } from '../errors.ts';
import { BUILTIN_TIERS } from '../tiers.ts';
import { WEB } from '../web.ts';
import type { Attr, Block, Item, Value } from './ast.ts';
import { printHcl } from './hcl.ts';
import type { PackerInput } from './input.ts';
import { packerModel } from './model.ts';
import { modernRequirements } from './requirements.ts';
import { AMAZON_PLUGIN, bundleRootOf, COMPAT166, MODERN } from './targets.ts';
import { DEFAULT_BAKE, packerVars, VARIABLES } from './vars.ts';

const HASH = 'ab'.repeat(32);
const input = (tier = BUILTIN_TIERS[0], arch: PackerInput['arch'] = 'x86_64'): PackerInput => ({
  tier,
  recipe: WEB,
  distro: DISTROS.ubuntu2404,
  imageHash: HASH,
  arch,
  app: false,
});
const blocks = (items: Item[], type: string) => items.filter((i): i is Block => i.kind === 'block' && i.type === type);
const value = (items: Item[], name: string): Value | undefined => items.find((i): i is Attr => i.kind === 'attr' && i.name === name)?.value;
const plain = (v: Value | undefined): unknown => {
  if (!v) return undefined;
  if (v.kind === 'str' || v.kind === 'num' || v.kind === 'bool') return v.value;
  if (v.kind === 'ref') return `<${v.hcl}>`;
  if (v.kind === 'list') return v.items.map(plain);
  if (v.kind === 'obj') return Object.fromEntries(v.entries.map(([k, x]) => [k, plain(x)]));
  return `<${v.kind}>`;
};
const sourceOf = (t = MODERN, i = input()) => blocks(packerModel(i, t).body, 'source')[0];

describe('packer model', () => {
  it('amazon-ebs source: Canonical noble gp3 image, encrypted gp3 root sized by the tier, lineage tags everywhere', () => {
    const src = sourceOf();
    expect(src.labels).toEqual(['amazon-ebs', 'kiln']);
    const filter = blocks(src.body, 'source_ami_filter')[0].body;
    expect(plain(value(filter, 'owners'))).toEqual(['099720109477']);
    expect(plain(value(filter, 'most_recent'))).toBe(true);
    expect(plain(value(filter, 'filters'))).toMatchObject({
      name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*',
      architecture: 'x86_64',
    });
    for (const [k, v] of Object.entries({
      ssh_username: 'ubuntu',
      encrypt_boot: true,
      ssh_clear_authorized_keys: true,
      temporary_key_pair_type: 'ed25519',
      instance_type: '<var.instance_type>',
      subnet_id: '<var.subnet_id>',
      vpc_id: '<var.vpc_id>',
      imds_support: 'v2.0',
    })) {
      expect(plain(value(src.body, k)), k).toEqual(v);
    }
    for (const k of ['tags', 'run_volume_tags', 'snapshot_tags']) expect(plain(value(src.body, k)), k).toBe('<local.tags>');
    // The build instance, key pair and temporary security group: the lineage plus an absolute expiry.
    expect(plain(value(src.body, 'run_tags'))).toBe('<local.run_tags>');
    expect(plain(value(blocks(src.body, 'metadata_options')[0].body, 'http_tokens'))).toBe('required');
  });

  it.each(BUILTIN_TIERS.map((t) => [t.name, t] as const))(
    "%s: root volume is the tier's, gp3 with explicit throughput and iops, encrypted while it builds",
    (_n, tier) => {
      const dev = blocks(sourceOf(MODERN, input(tier)).body, 'launch_block_device_mappings')[0].body;
      expect(Object.fromEntries(dev.map((a) => [(a as Attr).name, plain((a as Attr).value)]))).toEqual({
        device_name: '/dev/sda1',
        volume_type: 'gp3',
        volume_size: tier.rootVolumeGiB,
        throughput: 125,
        iops: 3000,
        delete_on_termination: true,
        encrypted: true,
      });
    },
  );

  it.each([MODERN, COMPAT166].map((t) => [t.id, t] as const))(
    "%s: the build instance admits SSH from the bake's own address only; the plugin is bounded to its tested major",
    (_id, target) => {
      const src = sourceOf(target, input()).body;
      expect(plain(value(src, 'temporary_security_group_source_cidrs'))).toEqual(['<var.ssh_source_cidr>']);
      expect(AMAZON_PLUGIN.version).toMatch(/^>= 1\.\d+\.\d+, < 2\.0\.0$/);
      const bad = { ...DEFAULT_BAKE, sshSourceCidr: '0.0.0.0/0' };
      expect(() => packerVars(input(), bad)).toThrow(/--verifier-cidr = "0\.0\.0\.0\/0": must match/);
      expect(packerVars(input(), { ...DEFAULT_BAKE, sshSourceCidr: '203.0.113.7/32' }).ssh_source_cidr).toBe('203.0.113.7/32');
    },
  );

  it('lineage: kiln tags come last in the merge and carry the source AMI as Go templates', () => {
    const locals = blocks(packerModel(input(), MODERN).body, 'locals')[0].body;
    expect(plain(value(locals, 'lineage'))).toEqual({
      'kiln:tier': '<var.tier>',
      'kiln:image-hash': '<var.image_hash>',
      'kiln:recipe': '<var.recipe>',
      'kiln:bake-id': '<var.bake_id>',
      'kiln:ttl': '<var.ttl>',
      'kiln:source-ami': '{{ .SourceAMI }}',
      'kiln:source-ami-name': '{{ .SourceAMIName }}',
    });
    expect(printHcl(packerModel(input(), MODERN))).toContain('tags = merge(var.tags, local.lineage)');
  });

  it.each([MODERN, COMPAT166].map((t) => [t.id, t] as const))(
    '%s: run_tags add kiln:expires-at (bake start + ttl) to the lineage, for what has no creation time',
    (_id, target) => {
      const hcl = printHcl(packerModel(input(), target));
      expect(hcl).toContain('"kiln:expires-at" = timeadd(timestamp(), var.ttl)');
      expect(hcl).toContain('run_tags = merge(local.tags, local.expiry)');
    },
  );

  it('build: cloud-init wait, upload rootfs + provision relative to path.root, provision, package list down, hygiene, manifest', () => {
    for (const t of [MODERN, COMPAT166]) {
      const b = blocks(packerModel(input(), t).body, 'build')[0];
      const provs = blocks(b.body, 'provisioner');
      expect(provs.map((p) => p.labels[0])).toEqual(['shell', 'file', 'shell', 'shell', 'file', 'shell']);
      expect(plain(value(provs[0].body, 'inline'))).toContain('cloud-init status --wait');
      const root = bundleRootOf(t.path);
      expect(printHcl({ header: [], body: [provs[1]] })).toContain(
        `sources     = ["\${path.root}/${root}/rootfs", "\${path.root}/${root}/provision"]`,
      );
      expect(plain(value(provs[2].body, 'inline'))).toEqual(['bash /tmp/kiln/provision/provision.sh /tmp/kiln']);
      expect(plain(value(provs[2].body, 'environment_vars'))).toEqual(['KILN_DISTRO=ubuntu2404']);
      expect(String(plain(value(provs[2].body, 'execute_command')))).toContain('sudo -E');
      expect(plain(value(provs[3].body, 'inline'))).toEqual(['dpkg-query -W > /tmp/kiln/packages.tsv']);
      expect(plain(value(provs[4].body, 'direction'))).toBe('download');
      expect(plain(value(provs[4].body, 'source'))).toBe('/tmp/kiln/packages.tsv');
      expect(plain(value(provs[5].body, 'inline'))).toEqual(['bash /tmp/kiln/provision/hygiene.sh /tmp/kiln']);
      const pp = blocks(b.body, 'post-processor')[0];
      expect(pp.labels).toEqual(['manifest']);
      expect(plain(value(pp.body, 'custom_data'))).toMatchObject({ tier: '<var.tier>', image_hash: '<var.image_hash>' });
      expect(plain(value(pp.body, 'strip_path'))).toBe(true);
    }
  });

  it('compat166 drops exactly the modern-only features, by flag', () => {
    expect(modernRequirements(packerModel(input(), MODERN))).toEqual([]);
    expect(modernRequirements(packerModel(input(), COMPAT166))).toHaveLength(4);
    const modern = printHcl(packerModel(input(), MODERN)).split('\n');
    const compat = new Set(printHcl(packerModel(input(), COMPAT166)).split('\n'));
    const onlyModern = modern.filter((l) => !compat.has(l)).map((l) => l.trim().split(/[ =]/)[0]);
    expect(new Set(onlyModern)).toEqual(
      new Set([
        '#',
        'packer',
        'required_version',
        'required_plugins',
        'amazon',
        'source',
        'version',
        'imds_support',
        'deprecate_at',
        'metadata_options',
        'http_endpoint',
        'http_tokens',
        'http_put_response_hop_limit',
        'sources',
      ]),
    );
  });

  it('arm64 is a model option: Graviton type and arm64 image', () => {
    const src = sourceOf(MODERN, input(BUILTIN_TIERS[0], 'arm64'));
    expect(plain(value(blocks(src.body, 'source_ami_filter')[0].body, 'filters'))).toMatchObject({
      name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-*',
      architecture: 'arm64',
    });
    expect(packerVars(input(BUILTIN_TIERS[0], 'arm64'), DEFAULT_BAKE).instance_type).toBe('t4g.nano');
  });
});

describe('var file', () => {
  it('declares every variable the template declares, and user tags never change the HCL', () => {
    const vars = packerVars(input(), { ...DEFAULT_BAKE, sshSourceCidr: '203.0.113.7/32' });
    expect(Object.keys(vars)).toEqual(VARIABLES.map((v) => v.name));
    const hostile = { ...WEB, tags: { team: '${file("/etc/hostname")}', x: '%{ if true }x%{ endif }' } };
    const withTags = packerModel({ ...input(), recipe: hostile }, MODERN);
    expect(printHcl(withTags)).toBe(printHcl(packerModel(input(), MODERN)));
    expect(packerVars({ ...input(), recipe: hostile }, DEFAULT_BAKE).tags).toEqual(hostile.tags);
  });

  it.each([
    [{ bakeId: 'x y' }, 'bakeId'],
    [{ bakeId: '{{ uuid }}' }, 'bakeId'],
    [{ region: 'us-east-1"; x' }, 'region'],
    [{ ttlHours: -1 }, 'ttlHours'],
    [{ subnetId: 'subnet-${x}' }, 'subnetId'],
    [{ tags: { 'kiln:tier': 'spoof' } }, 'recipe.tags.kiln:tier'],
    [{ tags: { 'aws:x': 'y' } }, 'recipe.tags.aws:x'],
    [{ tags: { t: 'x'.repeat(257) } }, 'recipe.tags.t'],
    [{ tags: { go: '{{ .SourceAMI }}' } }, 'recipe.tags.go'],
    [{ tags: { 'a{{b': 'v' } }, 'recipe.tags.a{{b'],
    [{ tags: Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`k${i}`, 'v'])) }, 'recipe.tags'],
  ])('bad bake input #%# is an InputError naming its field', (bad, field) => {
    let err: unknown;
    try {
      packerVars(input(), { ...DEFAULT_BAKE, ...bad });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe(field);
  });

  it('a tier without a type for the architecture is an InputError', () => {
    const tier = { ...BUILTIN_TIERS[0], instanceTypes: { x86_64: ['t3.nano'], arm64: [] } };
    expect(() => packerVars(input(tier, 'arm64'), DEFAULT_BAKE)).toThrow(InputError);
  });
});

describe('a bundle with an app, and a release built on a base AMI', () => {
  const shop = { ...WEB, app: { ...WEB.app, name: 'shop', source: { kind: 'dir' as const, path: '/src/shop' } } };
  const withApp = (): PackerInput => ({ ...input(), recipe: shop, app: true });
  const provisioners = (t = MODERN, layer: 'full' | 'app' = 'full', i = withApp()) =>
    blocks(blocks(packerModel(i, t, layer).body, 'build')[0].body, 'provisioner');

  it('release: source_ami from the var file, no Ubuntu filter, KILN_LAYER=app, the app uploaded from packer/release/', () => {
    for (const t of [MODERN, COMPAT166]) {
      const src = blocks(packerModel(withApp(), t, 'app').body, 'source')[0];
      expect(plain(value(src.body, 'source_ami'))).toBe('<var.source_ami>');
      expect(blocks(src.body, 'source_ami_filter')).toEqual([]);
      const provs = provisioners(t, 'app');
      expect(provs.map((p) => p.labels[0])).toEqual(['shell', 'file', 'shell', 'shell', 'file', 'shell']);
      const root = t === MODERN ? '../..' : '../../..';
      expect(printHcl({ header: [], body: [provs[1]] })).toContain(`"\${path.root}/${root}/provision", "\${path.root}/${root}/app"]`);
      expect(plain(value(provs[2].body, 'environment_vars'))).toEqual(['KILN_DISTRO=ubuntu2404', 'KILN_LAYER=app']);
    }
  });

  it('full bake of an app bundle: the Ubuntu filter, the app uploaded, no KILN_LAYER; the canary uploads no app', () => {
    const src = blocks(packerModel(withApp(), MODERN).body, 'source')[0];
    expect(value(src.body, 'source_ami')).toBeUndefined();
    expect(blocks(src.body, 'source_ami_filter')).toHaveLength(1);
    const provs = provisioners();
    expect(printHcl({ header: [], body: [provs[1]] })).toContain('"${path.root}/../app"]');
    expect(plain(value(provs[2].body, 'environment_vars'))).toEqual(['KILN_DISTRO=ubuntu2404']);
    expect(printHcl({ header: [], body: [provisioners(MODERN, 'full', input())[1]] })).not.toContain('/app"');
    expect(() => packerModel(input(), MODERN, 'app')).toThrow(/needs a bundle with an app/);
  });

  it('lineage names the app, its build and (release) the base AMI; the variables are declared only where used', () => {
    const lineageOf = (layer: 'full' | 'app') =>
      plain(value(blocks(packerModel(withApp(), MODERN, layer).body, 'locals')[0].body, 'lineage')) as Record<string, unknown>;
    expect(lineageOf('full')).toMatchObject({ 'kiln:app': '<var.app_name>', 'kiln:app-sha256': '<var.app_sha256>' });
    expect(lineageOf('full')).not.toHaveProperty('kiln:base-ami');
    expect(lineageOf('app')).toMatchObject({ 'kiln:app': '<var.app_name>', 'kiln:base-ami': '<var.source_ami>' });
    const declared = (i: PackerInput, layer: 'full' | 'app') =>
      blocks(packerModel(i, MODERN, layer).body, 'variable').map((b) => b.labels[0]);
    expect(declared(input(), 'full')).toEqual(VARIABLES.map((v) => v.name));
    expect(declared(withApp(), 'full').slice(VARIABLES.length)).toEqual(['app_name', 'app_sha256']);
    expect(declared(withApp(), 'app').slice(VARIABLES.length)).toEqual(['app_name', 'app_sha256', 'source_ami']);
  });

  it('the rendered var file carries the app name; the base AMI and the build hash come from the bake, checked', () => {
    expect(packerVars(withApp(), DEFAULT_BAKE)).toMatchObject({ app_name: 'shop' });
    expect(packerVars(withApp(), DEFAULT_BAKE)).not.toHaveProperty('app_sha256');
    const bake = { ...DEFAULT_BAKE, appSha256: 'c'.repeat(64), sourceAmi: 'ami-0123456789abcdef0' };
    expect(packerVars(withApp(), bake, 'app')).toMatchObject({ app_sha256: 'c'.repeat(64), source_ami: 'ami-0123456789abcdef0' });
    expect(packerVars(withApp(), bake, 'full')).not.toHaveProperty('source_ami');
    for (const [bad, field] of [
      [{ sourceAmi: 'ami-x"}' }, 'sourceAmi'],
      [{ appSha256: 'nothex' }, 'appSha256'],
    ] as const) {
      let err: unknown;
      try {
        packerVars(withApp(), { ...bake, ...bad }, 'app');
      } catch (e) {
        err = e;
      }
      expect((err as InputError).field).toBe(field);
    }
  });

  it('the tag budget leaves room for the app lineage and a promotion (AWS allows 50 per resource)', () => {
    const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    expect(() => packerVars(input(), { ...DEFAULT_BAKE, tags: tags(39) })).not.toThrow();
    expect(() => packerVars(input(), { ...DEFAULT_BAKE, tags: tags(40) })).toThrow(/at most 39 user tags/);
    expect(() => packerVars(withApp(), { ...DEFAULT_BAKE, tags: tags(37) })).toThrow(/at most 36 user tags/);
  });
});
