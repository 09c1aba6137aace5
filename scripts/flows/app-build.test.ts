/** App builds for the gate: the canary dir and a real wheel resolve; anything else is exit-2 input naming the flag. */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../images/errors.ts';
import { REPO_ROOT } from '../../targets/local/paths.ts';
import { CANARY_DIR, resolveAppBuild, sourceFiles } from './app-build.ts';
import { gateDropIn, installScript } from './app-install.ts';

let work = '';
beforeAll(async () => { work = await mkdtemp(join(REPO_ROOT, '.kiln/app-build-test-')); });
afterAll(async () => rm(work, { recursive: true, force: true }));

/** A wheel as pip would read it, written by Python's own zipfile (argv only). */
async function wheel(name: string, files: Record<string, string>): Promise<string> {
  const path = join(work, name);
  const script = 'import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], "w")\nfor k, v in json.loads(sys.argv[2]).items(): z.writestr(k, v)\nz.close()';
  await execa('python3', ['-c', script, path, JSON.stringify(files)]);
  return path;
}

describe('resolveAppBuild', () => {
  it('resolves the canary dir: its package, a content hash, no caches', async () => {
    const b = await resolveAppBuild('--app', CANARY_DIR);
    expect(b).toMatchObject({ kind: 'dir', name: 'canary', package: 'kiln_canary' });
    expect(b.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(sourceFiles(CANARY_DIR)).toContain('kiln_canary/wsgi.py');
    expect(sourceFiles(CANARY_DIR).some((f) => f.includes('__pycache__'))).toBe(false);
    const copy = join(work, 'copy');
    await cp(CANARY_DIR, copy, { recursive: true });
    expect((await resolveAppBuild('--app', copy)).sha256).toBe(b.sha256);
    await writeFile(join(copy, 'kiln_canary/views.py'), '# changed\n', { flag: 'a' });
    expect((await resolveAppBuild('--app', copy)).sha256).not.toBe(b.sha256);
  });

  it('resolves a wheel by its project package', async () => {
    const w = await wheel('shop-1.0-py3-none-any.whl', { 'shop/__init__.py': '', 'shop/wsgi.py': '', 'shop/settings.py': '', 'shop-1.0.dist-info/METADATA': '' });
    expect(await resolveAppBuild('--app', w)).toMatchObject({ kind: 'wheel', name: 'shop-1.0-py3-none-any.whl', package: 'shop' });
  });

  it('refuses what pip or gunicorn could not serve, naming flag, value and fix', async () => {
    const noProject = await wheel('lib-1.0-py3-none-any.whl', { 'lib/__init__.py': '' });
    const two = await wheel('two-1.0-py3-none-any.whl', { 'a/wsgi.py': '', 'a/settings.py': '', 'b/wsgi.py': '', 'b/settings.py': '' });
    const corrupt = join(work, 'bad-1.0-py3-none-any.whl');
    await writeFile(corrupt, 'not a zip');
    const cases: [string, RegExp][] = [
      ['', /a wheel file/],
      [join(work, 'missing'), /nothing exists/],
      [join(REPO_ROOT, 'README.md'), /not a wheel file name/],
      [noProject, /no top-level PACKAGE\/wsgi\.py/],
      [two, /several project packages \(a, b\)/],
      [corrupt, /not a readable zip/],
      [work, /no manage\.py/],
    ];
    for (const [value, message] of cases) {
      const e = await resolveAppBuild('--previous', value).catch((err: unknown) => err);
      expect(e, value).toBeInstanceOf(InputError);
      expect((e as InputError).field).toBe('--previous');
      expect((e as Error).message).toMatch(message);
    }
  });
});

describe('install script', () => {
  it('passes user-derived values quoted and serves the build through a drop-in', async () => {
    const b = { kind: 'wheel' as const, path: '/x', name: "shop-1.0-py3-none-any.whl", package: 'shop', sha256: 'a'.repeat(64) };
    const { script, chdir } = installScript(b, '/tmp/kiln-gate.AbC123xy');
    expect(chdir).toBe('/opt/kiln/gate-run');
    expect(script).toContain("--no-index --no-deps --force-reinstall --no-cache-dir --disable-pip-version-check '/tmp/kiln-gate.AbC123xy/shop-1.0-py3-none-any.whl'");
    expect(script).toContain("DJANGO_SETTINGS_MODULE='shop.settings'");
    expect(gateDropIn(b, chdir)).toContain('ExecStart=\nExecStart=/opt/kiln/venv/bin/gunicorn -c /etc/kiln/gunicorn.conf.py --chdir /opt/kiln/gate-run shop.wsgi:application');
    const d = installScript({ ...b, kind: 'dir', name: 'canary', package: 'kiln_canary' }, '/tmp/kiln-gate.AbC123xy');
    expect(d.chdir).toBe('/opt/kiln/app');
    expect(d.script).toContain("tar -xzf '/tmp/kiln-gate.AbC123xy/app.tgz'");
    expect(d.script).not.toContain('pip install');
    const r = await execa('bash', ['-n', '-c', d.script], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
  });
});
