import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const kiln = (args: string[]) => execa('bin/kiln', args, { reject: false, cwd: new URL('..', import.meta.url).pathname });
const scratches: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'kiln-cli-'));
  scratches.push(d);
  return d;
};
afterAll(() => {
  for (const d of scratches) rmSync(d, { recursive: true, force: true });
});

describe('kiln CLI contract', () => {
  it("--version and version print package.json's version (a commit only as its own word) and exit 0", async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    for (const args of [['--version'], ['version']]) {
      const r = await kiln(args);
      expect(r.exitCode, args[0]).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^kiln ${version.replace(/\./g, '\\.')}( \\(git [0-9a-f]{12}(-dirty)?\\))?$`));
    }
    const json = await kiln(['version', '--json']);
    expect(JSON.parse(json.stdout).kilnVersion).toBe(version);
    expect((await kiln(['--version', 'extra'])).exitCode).toBe(2);
  });

  it('gate --help documents its load-shape flags with defaults and ranges, and its exit codes', async () => {
    const r = await kiln(['gate', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/--late-tolerance-ms MS .*\n.*\(default 10, 1-1000\)/);
    expect(r.stdout).toMatch(/--repetitions N .*\(default 5, 5-50/);
    expect(r.stdout).toMatch(/^ {2}Exit codes: 0 pass/m);
  });

  it('lists tiers as text and as exactly one JSON document', async () => {
    const text = await kiln(['tiers']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^nano\s+512 MiB\s+2 vCPU/m);
    const json = await kiln(['tiers', '--json']);
    expect(JSON.parse(json.stdout).map((t: { name: string }) => t.name)).toContain('2xlarge');
  });

  it('render --json reports the contract fields', async () => {
    const r = await kiln(['render', '--tier', 'nano', '--json']);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ tier: 'nano', ramMiB: 512, vcpus: 2, out: null });
    expect(Object.keys(doc.budget.components).sort()).toEqual(['gunicorn', 'nginx', 'pgbouncer', 'postgres', 'redis']);
    for (const k of [
      'shared_buffers_mib',
      'effective_cache_size_mib',
      'work_mem_kib',
      'maintenance_work_mem_mib',
      'max_connections',
      'autovacuum_max_workers',
    ]) {
      expect(doc.settings.postgres[k], k).toBeTypeOf('number');
    }
    expect(doc.settings.pgbouncer.pool_mode).toBe('transaction');
    expect(doc.settings.gunicorn.worker_class).toBe('gthread');
    expect(doc.files.length).toBeGreaterThan(5);
    for (const f of doc.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('render --out writes the bundle and a manifest that matches the files', async () => {
    const out = join(scratch(), 'nano');
    const r = await kiln(['render', '--tier', 'nano', '--out', out]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/rendered nano/);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.out).toBe('.');
    const redis = manifest.files.find((f: { path: string }) => f.path === '/etc/redis/redis.conf');
    expect(readFileSync(join(out, 'rootfs/etc/redis/redis.conf'), 'utf8').length).toBe(redis.bytes);
  });

  it.each([
    [['render', '--tier', 'huge', '--out', 'X'], /--tier = "huge"/],
    [['render', '--tier', 'nano', '--all', '--out', 'X'], /exclusive/],
    [['render', '--tier', 'nano', '--bogus', '--out', 'X'], /bogus/],
    [['render', '--tier', 'nano', '--distro', 'arch', '--out', 'X'], /--distro = "arch"/],
    [['frobnicate'], /not a kiln command/],
    [['bench', '--io-ms', '5000', '--out', 'X'], /--io-ms = "5000": .*1\.\.2000/],
    [['bench', '--repeat', 'lots', '--out', 'X'], /--repeat/],
  ])('bad input %j exits 2 with a message, no stack, nothing written', async (args, msg) => {
    const dir = scratch();
    const r = await kiln(args.map((a) => (a === 'X' ? join(dir, 'out') : a)));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('bench --recipe: no promoted release (first tier asked without one is named), --io-ms, or the canary as a recipe exit 2 before anything boots or is written', async () => {
    const dir = scratch();
    const app = join(dir, 'kiln.yaml');
    writeFileSync(
      app,
      'app:\n  name: mysite\n  source: .\n  settings: mysite.settings\ntraffic:\n  endpoints:\n    - { path: /, weight: 1 }\n',
    );
    writeFileSync(join(dir, 'canary.yaml'), 'tags: { team: web }\n');
    const state = join(dir, 'state');
    for (const [args, msg] of [
      [
        ['--recipe', app, '--tiers', 'micro,nano'],
        new RegExp(`channel micro\\.mysite on local has none\\); run the nightly first: kiln nightly --tiers micro --recipe ${app}`),
      ],
      [['--recipe', app, '--io-ms', '50'], /--io-ms = "50": only without --recipe/],
      [['--recipe', join(dir, 'canary.yaml')], /--recipe = ".*canary\.yaml": a recipe whose app has a source/],
    ] as [string[], RegExp][]) {
      const r = await kiln(['bench', ...args, '--state-dir', state, '--out', join(dir, 'out')]);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(readdirSync(dir).sort()).toEqual(['canary.yaml', 'kiln.yaml']);
  });

  it('a catalog with one bad tier fails before any tier is written', async () => {
    const dir = scratch();
    const cat = join(dir, 'cat.yaml');
    writeFileSync(
      cat,
      'tiers:\n  - name: pico\n    ramMiB: 256\n    vcpus: 2\n    rootVolumeGiB: 8\n    instanceTypes: { x86_64: [t3.nano] }\n    slo: { p95Ms: 200, p99Ms: 500, errorRatePct: 0.1, memoryCeilingPct: 85, targetRps: 50 }\n',
    );
    const r = await kiln(['render', '--all', '--catalog', cat, '--out', join(dir, 'out')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/tier pico\.ramMiB = 256: .* needs \d+ MiB more.*at least \d+ MiB/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('refuses to write into a directory that is not a kiln render', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'precious.txt'), 'keep me');
    const r = await kiln(['render', '--tier', 'nano', '--out', dir]);
    expect(r.exitCode).toBe(2);
    expect(readFileSync(join(dir, 'precious.txt'), 'utf8')).toBe('keep me');
  });
});
