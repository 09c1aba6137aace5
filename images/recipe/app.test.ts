import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { parseRecipe, recipeFrom } from '../recipe-file.ts';
import { ASSUMED_APP_MEMORY, CANARY_APP, WEB } from '../web.ts';

const BASE = '/srv/recipes/shop';
const refused = (raw: unknown): InputError => {
  try {
    recipeFrom(raw, 'recipe', BASE);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
};
const SRC = { name: 'mysite', source: '.', settings: 'mysite.settings.production' };

describe('app with a source', () => {
  it('maps the brief example to the Recipe type, paths relative to the base directory', () => {
    const r = recipeFrom(
      {
        app: {
          ...SRC,
          requirements: 'requirements.txt',
          wsgi: 'mysite.wsgi:application',
          health: '/health/',
          staticUrl: '/assets/',
          seed: ['loaddata', 'demo.json'],
          env: { APP_FEATURE_X: 'on' },
          secrets: ['SENTRY_DSN'],
          domains: ['www.example.com'],
          requestTimeoutSec: 30,
          workerPrivateMiB: 120,
        },
        tags: { team: 'web' },
      },
      'recipe',
      BASE,
    );
    expect(r.app).toEqual({
      name: 'mysite',
      source: { kind: 'dir', path: BASE },
      requirements: `${BASE}/requirements.txt`,
      settings: 'mysite.settings.production',
      wsgi: 'mysite.wsgi:application',
      healthPath: '/health/',
      staticUrl: '/assets/',
      seed: ['loaddata', 'demo.json'],
      workerPrivateMiB: 120,
      threadMiB: ASSUMED_APP_MEMORY.threadMiB,
      workerGrowthMiB: ASSUMED_APP_MEMORY.workerGrowthMiB,
      masterMiB: ASSUMED_APP_MEMORY.masterMiB,
      profileSource: 'declared',
      requestTimeoutSec: 30,
      domains: ['www.example.com'],
      env: { APP_FEATURE_X: 'on' },
      secrets: ['SENTRY_DSN'],
    });
    expect(r.services).toEqual(WEB.services);
    expect(r.traffic).toBeNull();
    expect(r.tags).toEqual({ team: 'web' });
  });

  it('fills the defaults: wsgi from the settings package, health /, static at /static/, assumed memory', () => {
    const a = recipeFrom({ app: SRC }, 'recipe', BASE).app;
    expect(a).toMatchObject({
      wsgi: 'mysite.wsgi:application',
      healthPath: '/',
      staticUrl: '/static/',
      seed: null,
      requirements: null,
      profileSource: 'assumed',
      ...ASSUMED_APP_MEMORY,
    });
    expect(recipeFrom({ app: { ...SRC, static: false } }, 'recipe', BASE).app.staticUrl).toBeNull();
  });

  it('a *.whl source is a wheel; absolute and ../ paths resolve as paths, nothing is read', () => {
    expect(recipeFrom({ app: { ...SRC, source: '../dist/mysite-1.0-py3-none-any.whl' } }, 'recipe', BASE).app.source).toEqual({
      kind: 'wheel',
      path: '/srv/recipes/dist/mysite-1.0-py3-none-any.whl',
    });
    expect(recipeFrom({ app: { ...SRC, source: '/opt/code/does-not-exist' } }, 'recipe', BASE).app.source).toEqual({
      kind: 'dir',
      path: '/opt/code/does-not-exist',
    });
  });

  it("parseRecipe resolves against the recipe file's directory, not the working directory", () => {
    const r = parseRecipe(
      'app:\n  name: mysite\n  source: app\n  settings: mysite.settings\n  requirements: req/prod.txt\n',
      'deploy/shop/kiln.yaml',
    );
    expect(r.app.source).toEqual({ kind: 'dir', path: `${process.cwd()}/deploy/shop/app` });
    expect(r.app.requirements).toBe(`${process.cwd()}/deploy/shop/req/prod.txt`);
    expect(recipeFrom({ app: SRC }).app.source).toEqual({ kind: 'dir', path: process.cwd() });
    // A bare "." is a YAML 1.1 float (NaN) to the YAML library; the recipe reads it as this directory.
    expect(parseRecipe('app:\n  name: mysite\n  source: .\n  settings: mysite.settings\n', '/srv/shop/kiln.yaml').app.source).toEqual({
      kind: 'dir',
      path: '/srv/shop',
    });
    expect(() => parseRecipe('app:\n  name: mysite\n  source: .nan\n  settings: mysite.settings\n', '/srv/shop/kiln.yaml')).toThrow(
      /recipe\.app\.source/,
    );
  });

  it.each([
    [{ source: '.', settings: 'mysite.settings' }, 'recipe.app.name', /required with app.source/],
    [{ ...SRC, settings: undefined }, 'recipe.app.settings', /required with app.source/],
    [{ ...SRC, settings: 'mysite/settings.py' }, 'recipe.app.settings', /dotted Python module/],
    [{ ...SRC, settings: 'mysite..settings' }, 'recipe.app.settings', /dotted Python module/],
    [{ ...SRC, settings: '1site.settings' }, 'recipe.app.settings', /dotted Python module/],
    [{ ...SRC, wsgi: 'mysite.wsgi' }, 'recipe.app.wsgi', /module:attribute/],
    [{ ...SRC, wsgi: 'mysite.wsgi:create_app()' }, 'recipe.app.wsgi', /module:attribute/],
    [{ ...SRC, wsgi: 'my-site.wsgi:app' }, 'recipe.app.wsgi', /module:attribute/],
    [{ ...SRC, source: '' }, 'recipe.app.source', /1-4096 characters/],
    [{ ...SRC, source: 'a\nb' }, 'recipe.app.source', /control characters/],
    [{ ...SRC, source: 5 }, 'recipe.app.source', /must be a string/],
    [{ ...SRC, requirements: 'req\0.txt' }, 'recipe.app.requirements', /control characters/],
    [{ ...SRC, health: 'health' }, 'recipe.app.health', /must start with \//],
    [{ ...SRC, health: '/he alth' }, 'recipe.app.health', /no spaces/],
    [{ ...SRC, static: 'yes' }, 'recipe.app.static', /true or false/],
    [{ ...SRC, staticUrl: 'static/' }, 'recipe.app.staticUrl', /starts and ends with \//],
    [{ ...SRC, staticUrl: '/static' }, 'recipe.app.staticUrl', /starts and ends with \//],
    [{ ...SRC, staticUrl: '/' }, 'recipe.app.staticUrl', /at least one segment/],
    [{ ...SRC, staticUrl: '/../' }, 'recipe.app.staticUrl', /segment/],
    [{ ...SRC, staticUrl: '/s; return 200;/' }, 'recipe.app.staticUrl', /segment/],
    [{ ...SRC, static: false, staticUrl: '/static/' }, 'recipe.app.staticUrl', /no effect with static: false/],
    [{ ...SRC, seed: [] }, 'recipe.app.seed', /manage.py command/],
    [{ ...SRC, seed: 'loaddata demo.json' }, 'recipe.app.seed', /list/],
    [{ ...SRC, seed: ['LoadData'] }, 'recipe.app.seed[0]', /command name/],
    [{ ...SRC, seed: ['../../bin/sh'] }, 'recipe.app.seed[0]', /command name/],
    [{ ...SRC, seed: ['loaddata', 'a\nb'] }, 'recipe.app.seed[1]', /control characters/],
    [{ ...SRC, seed: ['loaddata', 5] }, 'recipe.app.seed[1]', /string/],
    [{ ...SRC, seed: Array(33).fill('x') }, 'recipe.app.seed', /at most 32/],
    [{ ...SRC, workerPrivateMiB: 4097 }, 'recipe.app.workerPrivateMiB', /8 to 4096/],
    [{ ...SRC, requestTimeoutSec: '30' }, 'recipe.app.requestTimeoutSec', /whole number/],
    [{ ...SRC, name: 'root' }, 'recipe.app.name', /already has/],
    [{ ...SRC, name: 'postgres' }, 'recipe.app.name', /already has/],
    [{ ...SRC, name: 'pg_monitor' }, 'recipe.app.name', /pg_/],
    [{ ...SRC, source: '.', entry: 'x' }, 'recipe.app.entry', /unknown key/],
  ])('%j is refused at %s', (a, field, msg) => {
    const e = refused({ app: a });
    expect(e.field).toBe(field);
    expect(e.message).toMatch(msg);
  });
});

describe('app without a source: the canary', () => {
  it('is the canary with its measured memory, unless workerPrivateMiB is declared', () => {
    expect(recipeFrom({}).app).toEqual(CANARY_APP);
    expect(recipeFrom({ app: { name: 'probe', domains: ['a.example.com'] } }).app).toEqual({
      ...CANARY_APP,
      name: 'probe',
      domains: ['a.example.com'],
    });
    expect(recipeFrom({ app: { workerPrivateMiB: 50 } }).app).toEqual({ ...CANARY_APP, workerPrivateMiB: 50, profileSource: 'declared' });
  });

  it.each(['settings', 'wsgi', 'seed', 'requirements', 'health', 'static', 'staticUrl'])('refuses %s (it describes an app source)', (k) => {
    const value = {
      settings: 'a.settings',
      wsgi: 'a.wsgi:application',
      seed: ['loaddata'],
      requirements: 'r.txt',
      health: '/',
      static: false,
      staticUrl: '/s/',
    }[k];
    const e = refused({ app: { [k]: value } });
    expect(e.field).toBe(`recipe.app.${k}`);
    expect(e.message).toMatch(/describes an app source/);
  });
});
