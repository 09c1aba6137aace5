/** A team's app as bake input: named by content, caches left out, kiln's gunicorn added only when missing, bad paths exit 2. */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../images/errors.ts';
import { recipeFrom } from '../images/recipe-file.ts';
import { REPO_ROOT } from '../targets/local/paths.ts';
import { appPayload, GUNICORN_PIN, requirementNames, sourceFiles, writePayload } from './app-payload.ts';

let work = '';
beforeAll(async () => {
  await mkdir(join(REPO_ROOT, '.kiln'), { recursive: true });
  work = await mkdtemp(join(REPO_ROOT, '.kiln/app-payload-test-'));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

async function project(dir: string, requirements = 'Django==5.2.19\n'): Promise<void> {
  for (const d of ['mysite', 'mysite/__pycache__', '.git', '.kiln/state']) await mkdir(join(dir, d), { recursive: true });
  await writeFile(join(dir, 'manage.py'), '#!/usr/bin/env python\n');
  await writeFile(join(dir, 'mysite/settings.py'), 'DEBUG = False\n');
  await writeFile(join(dir, 'mysite/__pycache__/settings.cpython-313.pyc'), 'x');
  await writeFile(join(dir, '.git/HEAD'), 'ref\n');
  await writeFile(join(dir, '.kiln/state/registry.json'), '{}');
  await writeFile(join(dir, 'requirements.txt'), requirements);
}

const recipe = (dir: string, extra: Record<string, unknown> = {}) =>
  recipeFrom(
    { app: { name: 'mysite', source: '.', requirements: 'requirements.txt', settings: 'mysite.settings', ...extra } },
    'recipe',
    dir,
  );

describe('app payload', () => {
  it('ships the project without caches, VCS or kiln state, named by content', async () => {
    const dir = join(work, 'a');
    await project(dir);
    expect(sourceFiles(dir)).toEqual(['manage.py', 'mysite/settings.py', 'requirements.txt']);
    const p = appPayload(recipe(dir))!;
    expect(p).toMatchObject({ kind: 'dir', files: ['manage.py', 'mysite/settings.py', 'requirements.txt'], addGunicorn: true });
    await writeFile(join(dir, 'mysite/__pycache__/other.pyc'), 'y');
    expect(appPayload(recipe(dir))!.sha256).toBe(p.sha256);
    await writeFile(join(dir, 'mysite/settings.py'), 'DEBUG = True\n');
    expect(appPayload(recipe(dir))!.sha256).not.toBe(p.sha256);
  });

  it("adds kiln's pinned gunicorn only when the requirements name none", async () => {
    expect(
      requirementNames('# c\nDjango==5.2 \\\n  --hash=sha256:ab\nGunicorn[gevent]>=23  # web\n-r other.txt\ndj_database.url\n'),
    ).toEqual(['django', 'gunicorn', 'dj-database-url']);
    const dir = join(work, 'b');
    await project(dir, 'gunicorn==22.0.0\n');
    expect(appPayload(recipe(dir))!.addGunicorn).toBe(false);
    const out = join(work, 'bundle-b');
    await project(join(work, 'c'));
    await writePayload(out, appPayload(recipe(join(work, 'c')))!);
    expect((await readdir(join(out, 'app'))).sort()).toEqual(['kiln-requirements.txt', 'requirements.txt', 'src']);
    expect(await readFile(join(out, 'app/kiln-requirements.txt'), 'utf8')).toContain(GUNICORN_PIN);
    expect(GUNICORN_PIN).toMatch(/^gunicorn==\d/);
  });

  it('takes a wheel as it is, and refuses paths that are not there or not a project', async () => {
    const dir = join(work, 'd');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'shop-1.0-py3-none-any.whl'), 'zip bytes');
    expect(
      appPayload(recipe(dir, { source: 'shop-1.0-py3-none-any.whl', requirements: undefined, settings: 'shop.settings' })),
    ).toMatchObject({ kind: 'wheel', name: 'shop-1.0-py3-none-any.whl', requirements: null });
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as InputError).field;
      }
      return null;
    };
    expect(field(() => appPayload(recipe(join(work, 'missing'))))).toBe('recipe.app.requirements');
    await mkdir(join(work, 'e'), { recursive: true });
    await writeFile(join(work, 'e/requirements.txt'), 'Django\n');
    expect(field(() => appPayload(recipe(join(work, 'e'))))).toBe('recipe.app.source');
  });
});
