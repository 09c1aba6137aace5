/** `kiln render --out`: only a directory kiln rendered is ever replaced, through an unpredictable temp dir, and --all is all or nothing. */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const repo = new URL('..', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'kiln-cli-render-out-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const kiln = (args: string[]) => execa('bin/kiln', args, { reject: false, cwd: repo, timeout: 120_000 });
let n = 0;
const scratch = () => {
  const d = join(root, `s${n++}`);
  mkdirSync(d);
  return d;
};

/** Every entry under `dir`: a file's content, or "dir/" for a directory. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out[relative(dir, p)] = 'dir/';
        walk(p);
      } else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const expectRefused = (r: { exitCode?: number; stderr: string }, out: string) => {
  expect(r.exitCode, r.stderr).toBe(2);
  expect(r.stderr).toContain(`--out = ${JSON.stringify(out)}: an empty or missing directory, or one kiln rendered`);
  expect(r.stderr).toMatch(/pass another --out/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
};

// Eight tiers with the last one too small for the stack: render fails on pico, after seven good ones.
const SMALL_LAST =
  'tiers:\n  - name: pico\n    ramMiB: 256\n    vcpus: 2\n    rootVolumeGiB: 8\n    instanceTypes: { x86_64: [t3.nano] }\n    slo: { p95Ms: 200, p99Ms: 500, errorRatePct: 0.1, memoryCeilingPct: 85, targetRps: 50 }\n';

describe('render --out replaces only what kiln rendered', () => {
  it('a project dir with its own manifest.json and src/ survives untouched (exit 2)', async () => {
    const proj = join(scratch(), 'proj');
    mkdirSync(join(proj, 'src'), { recursive: true });
    writeFileSync(join(proj, 'manifest.json'), '{"name": "my-project", "version": "1.0.0"}\n');
    writeFileSync(join(proj, 'src', 'main.py'), 'print("mine")\n');
    const before = tree(proj);
    const r = await kiln(['render', '--tier', 'nano', '--out', proj]);
    expectRefused(r, proj);
    expect(r.stderr).toMatch(/manifest\.json kiln did not write/);
    expect(tree(proj)).toEqual(before);
  });

  it('a dir kiln rendered is replaced by the new render, nothing left beside it', async () => {
    const dir = scratch();
    const out = join(dir, 'out');
    expect((await kiln(['render', '--tier', 'nano', '--out', out])).exitCode).toBe(0);
    expect(manifest(out)).toMatchObject({ generator: 'kiln', tier: 'nano' });
    const r = await kiln(['render', '--tier', 'micro', '--out', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(manifest(out)).toMatchObject({ generator: 'kiln', tier: 'micro' });
    expect(readdirSync(dir)).toEqual(['out']);
    expect(statSync(out).mode & 0o777).toBe(0o755);
  });

  it.each([
    [
      'a user file',
      (out: string) => writeFileSync(join(out, 'notes.txt'), 'my notes\n'),
      /holds notes\.txt, which its manifest\.json does not list/,
    ],
    [
      'a user file deep in rootfs/',
      (out: string) => writeFileSync(join(out, 'rootfs', 'etc', 'mine.conf'), 'x\n'),
      /holds rootfs\/etc\/mine\.conf/,
    ],
    ['an extra directory', (out: string) => mkdirSync(join(out, 'backup')), /holds backup\/, which/],
  ])('a kiln-rendered dir with %s is refused untouched (exit 2)', async (_, add, why) => {
    const out = join(scratch(), 'out');
    expect((await kiln(['render', '--tier', 'nano', '--out', out])).exitCode).toBe(0);
    add(out);
    const before = tree(out);
    const r = await kiln(['render', '--tier', 'micro', '--out', out]);
    expectRefused(r, out);
    expect(r.stderr).toMatch(why);
    expect(tree(out)).toEqual(before);
  });

  it("a render with a team's app (app/src/...) is kiln's too: replaced, the app files listed in the manifest", async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'site', 'mysite'), { recursive: true });
    writeFileSync(join(dir, 'site', 'manage.py'), 'print("manage")\n');
    writeFileSync(join(dir, 'site', 'mysite', 'settings.py'), 'DEBUG = False\n');
    const recipe = join(dir, 'kiln.yaml');
    writeFileSync(
      recipe,
      'app:\n  name: mysite\n  source: site\n  settings: mysite.settings\ntraffic:\n  endpoints:\n    - { path: /, weight: 1 }\n',
    );
    const out = join(dir, 'out');
    const first = await kiln(['render', '--tier', 'nano', '--recipe', recipe, '--out', out]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(manifest(out).payloadFiles).toEqual(expect.arrayContaining(['app/src/manage.py', 'app/src/mysite/settings.py']));
    const again = await kiln(['render', '--tier', 'micro', '--recipe', recipe, '--out', out]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(manifest(out).tier).toBe('micro');
  });

  describe('a render by a kiln before "generator" (its manifest as that kiln wrote it)', () => {
    const legacy = async () => {
      const out = join(scratch(), 'out');
      expect((await kiln(['render', '--tier', 'nano', '--out', out])).exitCode).toBe(0);
      const { generator: _, payloadFiles: __, ...older } = manifest(out);
      writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(older, null, 2)}\n`);
      return out;
    };

    it('is replaced when every file is as it recorded', async () => {
      const out = await legacy();
      const r = await kiln(['render', '--tier', 'micro', '--out', out]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(manifest(out)).toMatchObject({ generator: 'kiln', tier: 'micro' });
    });

    it.each([
      [
        'a file changed since',
        (out: string) => writeFileSync(join(out, 'rootfs', 'etc', 'redis', 'redis.conf'), 'edited\n'),
        /rootfs\/etc\/redis\/redis\.conf, changed since kiln rendered it/,
      ],
      [
        'an app (whose files it did not list)',
        (out: string) => writeFileSync(join(out, 'manifest.json'), JSON.stringify({ ...manifest(out), app: { kind: 'dir' } })),
        /manifest\.json kiln did not write/,
      ],
    ])('with %s is refused untouched (exit 2)', async (_, change, why) => {
      const out = await legacy();
      change(out);
      const before = tree(out);
      const r = await kiln(['render', '--tier', 'micro', '--out', out]);
      expectRefused(r, out);
      expect(r.stderr).toMatch(why);
      expect(tree(out)).toEqual(before);
    });
  });

  it('a symbolic link as --out is refused, its target untouched', async () => {
    const dir = scratch();
    const out = join(dir, 'out');
    expect((await kiln(['render', '--tier', 'nano', '--out', join(dir, 'real')])).exitCode).toBe(0);
    const before = tree(join(dir, 'real'));
    await execa('ln', ['-s', 'real', out]);
    const r = await kiln(['render', '--tier', 'micro', '--out', out]);
    expectRefused(r, out);
    expect(lstatSync(out).isSymbolicLink()).toBe(true);
    expect(tree(join(dir, 'real'))).toEqual(before);
  });
});

describe('render --out writes through a temp dir of its own', () => {
  it('a directory at the old predictable temp name (<out>.tmp-<pid>) is neither used nor removed', async () => {
    const dir = scratch();
    const out = join(dir, 'out');
    // exec keeps the PID through bash and bin/kiln (which execs node): kiln's pid is this shell's $$.
    const r = await execa(
      'bash',
      ['-c', 'mkdir "$1.tmp-$$" && echo mine > "$1.tmp-$$/keep" && exec bin/kiln render --tier nano --out "$1"', '_', out],
      { reject: false, cwd: repo },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const planted = readdirSync(dir).filter((e) => e.startsWith('out.tmp-'));
    expect(planted).toHaveLength(1);
    expect(readFileSync(join(dir, planted[0]!, 'keep'), 'utf8')).toBe('mine\n');
    expect(readdirSync(join(dir, planted[0]!))).toEqual(['keep']);
    expect(manifest(out).tier).toBe('nano');
  });
});

describe('render --all is all or nothing', () => {
  it('a later tier that cannot be written leaves the whole output as it was (exit 2)', async () => {
    const out = join(scratch(), 'all');
    expect((await kiln(['render', '--all', '--out', out])).exitCode).toBe(0);
    // The last tier's dir gets a user's file: kiln may not replace it, so nothing may change (not even the first tiers).
    writeFileSync(join(out, '2xlarge', 'notes.txt'), 'mine\n');
    const before = tree(out);
    const r = await kiln(['render', '--all', '--distro', 'debian13', '--out', out]);
    expectRefused(r, out);
    expect(r.stderr).toMatch(/holds 2xlarge, which holds notes\.txt/);
    expect(tree(out)).toEqual(before);
    expect(manifest(join(out, 'nano')).distro).toBe('ubuntu2404');
  });

  it('a later tier too small for the stack leaves the whole output as it was (exit 2)', async () => {
    const dir = scratch();
    const out = join(dir, 'all');
    expect((await kiln(['render', '--all', '--out', out])).exitCode).toBe(0);
    const before = tree(out);
    writeFileSync(join(dir, 'cat.yaml'), SMALL_LAST);
    const r = await kiln(['render', '--all', '--distro', 'debian13', '--catalog', join(dir, 'cat.yaml'), '--out', out]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/tier pico\.ramMiB = 256/);
    expect(tree(out)).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['all', 'cat.yaml']);
  });

  it('an earlier --all render is replaced whole, in one swap, nothing left beside it', async () => {
    const dir = scratch();
    const out = join(dir, 'all');
    expect((await kiln(['render', '--all', '--out', out])).exitCode).toBe(0);
    const r = await kiln(['render', '--all', '--distro', 'debian13', '--out', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['2xlarge', 'large', 'medium', 'micro', 'nano', 'small', 'xlarge']);
    for (const t of readdirSync(out)) expect(manifest(join(out, t))).toMatchObject({ generator: 'kiln', tier: t, distro: 'debian13' });
    expect(readdirSync(dir)).toEqual(['all']);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });
});
