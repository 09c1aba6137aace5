import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attr, Block } from '../../images/packer/ast.ts';
import { packerInputOf } from '../../images/files/packer.ts';
import { printHcl } from '../../images/packer/hcl.ts';
import { packerModel } from '../../images/packer/model.ts';
import { COMPAT166, MODERN, VARS_PATH, type PackerTarget } from '../../images/packer/targets.ts';
import { DEFAULT_BAKE } from '../../images/packer/vars.ts';
import { varFileContent } from '../../images/packer/render.ts';
import { DISTROS } from '../../images/distro.ts';
import { render, type Rendered } from '../../images/render.ts';
import { BUILTIN_TIERS } from '../../images/tiers.ts';
import { WEB, type Recipe } from '../../images/web.ts';
import { writeBundle } from '../bundle/write-bundle.ts';
import { validators } from './packer.ts';
import { runPacker } from './packer-env.ts';
import { validateBundle } from './run.ts';

let work = '';
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kiln-packer-test-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let n = 0;
async function bundle(r: Rendered): Promise<string> {
  const dir = await writeBundle(join(work, `b${n++}`), r);
  // The file provisioner's sources must exist for packer validate; provision/ may not be rendered yet.
  await mkdir(join(dir, 'provision'), { recursive: true });
  return dir;
}
const nano = (recipe: Recipe = WEB) => render(BUILTIN_TIERS[0], recipe, DISTROS.ubuntu2404);
const failed = async (dir: string, r: Rendered) => (await validateBundle(dir, r, validators)).filter((f) => !f.ok);
/** Compat template with one modern-only flag turned back on (or any model edit). */
const compatWith = (r: Rendered, target: Partial<PackerTarget>) =>
  printHcl(packerModel(packerInputOf(r.context), { ...COMPAT166, ...target }));

describe('packer validators (Debian packer 1.6.6, offline)', () => {
  it.each(BUILTIN_TIERS.map((t) => [t.name, t] as const))(
    '%s: compat validates, both variants fmt-clean, modern matches its model',
    async (_n, tier) => {
      const r = render(tier, WEB, DISTROS.ubuntu2404);
      const findings = await validateBundle(await bundle(r), r, validators);
      expect(findings.map((f) => `${f.tool} ${f.file}`)).toEqual([
        'packer validate (1.6.6) packer/compat/image.pkr.hcl',
        'packer fmt -check packer/image.pkr.hcl',
        'packer fmt -check packer/compat/image.pkr.hcl',
        'packer model (modern) packer/image.pkr.hcl',
      ]);
      expect(findings.filter((f) => !f.ok)).toEqual([]);
    },
  );

  it('no packer files (debian12 renders) means no packer validator runs', async () => {
    const r = render(BUILTIN_TIERS[0], WEB, DISTROS.debian12);
    expect(r.files.some((f) => f.role === 'packer')).toBe(false);
    expect(await validateBundle(work, r, validators)).toEqual([]);
  });

  it("a gp3 device without throughput fails with packer's own message", async () => {
    const r = nano();
    const dir = await bundle(r);
    const model = packerModel(packerInputOf(r.context), COMPAT166);
    const src = model.body.find((b) => b.type === 'source')!;
    const dev = src.body.find((b): b is Block => b.kind === 'block' && b.type === 'launch_block_device_mappings')!;
    dev.body = dev.body.filter((a) => (a as Attr).name !== 'throughput');
    await writeFile(join(dir, COMPAT166.path), printHcl(model));
    const bad = await failed(dir, r);
    expect(bad.map((f) => f.tool)).toEqual(['packer validate (1.6.6)']);
    expect(bad[0].output).toMatch(/Throughput must be between 125 and 1000/);
  });

  it('a non-canonical or hand-edited modern template fails fmt (with the diff) and the model check', async () => {
    const r = nano();
    const dir = await bundle(r);
    const path = join(dir, MODERN.path);
    await writeFile(path, (await readFile(path, 'utf8')).replace(/^ {2}ssh_username +=/m, '  ssh_username ='));
    const bad = await failed(dir, r);
    expect(bad.map((f) => f.tool)).toEqual(['packer fmt -check', 'packer model (modern)']);
    expect(bad[0].output).toMatch(/exit 3[\s\S]*- {2}ssh_username = "ubuntu"\n\+ {2}ssh_username {2,}= "ubuntu"/);
  });

  it.each([['requiredPlugins'], ['imdsSupport'], ['metadataOptions'], ['deprecateAt']])(
    '1.6.6 really rejects %s: the compat flag is needed',
    async (flag) => {
      const r = nano();
      const dir = await bundle(r);
      await writeFile(join(dir, COMPAT166.path), compatWith(r, { [flag]: true }));
      const bad = await failed(dir, r);
      expect(bad.map((f) => f.tool)).toEqual(['packer validate (1.6.6)']);
      expect(bad[0].output).toMatch(/Unsupported (argument|block type)|does not support Packer version 1\.6\.6/);
    },
  );
});

describe('a bundle with an app: the release templates too (Debian packer 1.6.6, offline)', () => {
  const shop: Recipe = { ...WEB, app: { ...WEB.app, name: 'shop', source: { kind: 'dir', path: '/src/shop' } } };
  /** The payload's place in the bundle (write-bundle.ts puts the app there); its content is not Packer's business. */
  async function appBundle(r: Rendered): Promise<string> {
    const dir = await bundle(r);
    await mkdir(join(dir, 'app', 'src'), { recursive: true });
    return dir;
  }

  it('both layers validate, all four templates are fmt-clean and match their models', async () => {
    const r = nano(shop);
    const findings = await validateBundle(await appBundle(r), r, validators);
    expect(findings.map((f) => `${f.tool} ${f.file}`)).toEqual([
      'packer validate (1.6.6) packer/compat/image.pkr.hcl',
      'packer validate (1.6.6) packer/release/compat/image.pkr.hcl',
      'packer fmt -check packer/image.pkr.hcl',
      'packer fmt -check packer/compat/image.pkr.hcl',
      'packer fmt -check packer/release/image.pkr.hcl',
      'packer fmt -check packer/release/compat/image.pkr.hcl',
      'packer model (modern) packer/image.pkr.hcl',
      'packer model (modern) packer/release/image.pkr.hcl',
    ]);
    expect(findings.filter((f) => !f.ok)).toEqual([]);
  });

  it("the release builds from the bake's source_ami: packer requires it, refuses a bad one, and tags the image with it", async () => {
    const r = nano(shop);
    const dir = await appBundle(r);
    const cwd = join(dir, 'packer');
    const scratch = join(work, 'scratch-release');
    const release = 'release/compat/image.pkr.hcl';
    const sha = `-var=app_sha256=${'d'.repeat(64)}`;
    const unset = await runPacker(['validate', '-var-file=image.pkrvars.json', sha, release], cwd, scratch);
    expect(unset.exitCode).not.toBe(0);
    expect(unset.output).toMatch(/source_ami/);
    const hostile = await runPacker(['validate', '-var-file=image.pkrvars.json', sha, '-var=source_ami=ami-1"}', release], cwd, scratch);
    expect(hostile.output).toMatch(/source_ami value must match/);
    const out = await runPacker(
      ['console', '-var-file=image.pkrvars.json', sha, '-var=source_ami=ami-0123456789abcdef0', release],
      cwd,
      scratch,
      60,
      'jsonencode(local.tags)\n',
    );
    expect(out.exitCode, out.output).toBe(0);
    expect(JSON.parse(out.output)).toMatchObject({
      'kiln:base-ami': 'ami-0123456789abcdef0',
      'kiln:app': 'shop',
      'kiln:app-sha256': 'd'.repeat(64),
      'kiln:tier': 'nano',
    });
  });

  it('a bundle whose app/ dir is missing fails packer validate (the template uploads it)', async () => {
    const r = nano(shop);
    const bad = await failed(await bundle(r), r);
    expect(bad.map((f) => f.file)).toEqual(['packer/compat/image.pkr.hcl', 'packer/release/compat/image.pkr.hcl']);
    expect(bad[0].output).toMatch(/\/app.*(no such file|does not exist|Bad source)/i);
  });
});

describe('hostile values stay literal', () => {
  it('tags with ${file()}, %{ }, quotes and newlines validate and read back unchanged', async () => {
    const canary = join(work, 'canary');
    await writeFile(canary, 'EVALUATED');
    const tags = {
      file: `\${file("${canary}")}`,
      missing: '${file("/nonexistent/kiln-canary")}',
      directive: '%{ if true }x%{ endif }',
      quote: '"quote',
      newline: 'a\nb',
      escapes: '$${x} %%{y} \\ }} {',
    };
    const r = nano({ ...WEB, tags });
    const dir = await bundle(r);
    expect(await failed(dir, r)).toEqual([]);
    const out = await runPacker(
      ['console', `-var-file=image.pkrvars.json`, 'compat/image.pkr.hcl'],
      join(dir, 'packer'),
      join(work, 'scratch'),
      60,
      'jsonencode(local.tags)\n',
    );
    expect(out.exitCode, out.output).toBe(0);
    const read = JSON.parse(out.output) as Record<string, string>;
    for (const [k, v] of Object.entries(tags)) expect(read[k], k).toBe(v);
    expect(out.output).not.toContain('EVALUATED');
    expect(read['kiln:tier']).toBe('nano');
  });

  it("a hostile bake_id that skipped kiln's checks is still refused by packer's validation block", async () => {
    const r = nano();
    const dir = await bundle(r);
    const vars = JSON.parse(varFileContent(packerInputOf(r.context), DEFAULT_BAKE));
    await writeFile(join(dir, VARS_PATH), JSON.stringify({ ...vars, bake_id: '{{ uuid }}' }));
    const bad = await failed(dir, r);
    expect(bad[0].output).toMatch(/bake_id value must match/);
  });

  it('packer runs Go templates over var-file values in builder fields (why bake_id is pattern-checked)', async () => {
    const dir = join(work, 'go');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'g.pkr.hcl'),
      [
        'variable "x" {',
        '  type = string',
        '}',
        '',
        'source "amazon-ebs" "g" {',
        '  region        = "us-east-1"',
        '  source_ami    = "ami-12345678"',
        '  instance_type = "t3.nano"',
        '  ssh_username  = "ubuntu"',
        '  ami_name      = "kiln-${var.x}"',
        '}',
        '',
        'build {',
        '  sources = ["source.amazon-ebs.g"]',
        '}',
        '',
      ].join('\n'),
    );
    await writeFile(join(dir, 'g.json'), JSON.stringify({ x: '{{ nosuchfn }}' }));
    const r = await runPacker(['validate', '-var-file=g.json', 'g.pkr.hcl'], dir, join(work, 'scratch'));
    expect(r.output).toMatch(/function "nosuchfn" not defined/);
  });
});
