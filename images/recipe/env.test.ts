import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { recipeFrom } from '../recipe-file.ts';

const refused = (raw: unknown): InputError => {
  try {
    recipeFrom(raw);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
};
const app = (extra: Record<string, unknown>, services?: string[]) => ({
  app: { name: 'mysite', source: '.', settings: 'mysite.settings', ...extra },
  ...(services ? { services } : {}),
});
const NO_DB = ['nginx', 'gunicorn', 'redis'];

describe('app.env: names that would reconfigure the stack or the loader', () => {
  it.each([
    ['GUNICORN_CMD_ARGS', /GUNICORN_CMD_ARGS is read by gunicorn itself and would rebind it/],
    ['GUNICORN_WORKERS', /gunicorn's own configuration/],
    ['LD_PRELOAD', /dynamic loader/],
    ['LD_LIBRARY_PATH', /dynamic loader/],
    ['PYTHONPATH', /Python interpreter/],
    ['PYTHONSTARTUP', /Python interpreter/],
    ['PYTHONHOME', /Python interpreter/],
    ['PATH', /decides which programs the app runs/],
    ['HOME', /home directory/],
    ['KILN_DB_PASSWORD', /set by the image itself/],
    ['DATABASE_URL', /given by the image: its PostgreSQL through PgBouncer/],
    ['REDIS_URL', /given by the image: its local Redis/],
    ['SECRET_KEY', /made by the image per instance/],
    ['ALLOWED_HOSTS', /from app.domains/],
    ['DJANGO_SETTINGS_MODULE', /from app.settings/],
  ])('%s is refused, saying why', (name, why) => {
    const e = refused(app({ env: { [name]: 'x' } }));
    expect(e.field).toBe(`recipe.app.env.${name}`);
    expect(e.message).toMatch(why);
    expect(e.exitCode).toBe(2);
  });

  it('refuses them for the canary too', () => {
    expect(refused({ app: { env: { GUNICORN_CMD_ARGS: '--bind 0.0.0.0:80' } } }).field).toBe('recipe.app.env.GUNICORN_CMD_ARGS');
  });

  it.each(['DB_PASSWORD', 'DJANGO_SECRET', 'GITHUB_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'STRIPE_API_KEY', 'SMTP_PASSWD'])(
    'a value under the credential-looking %s is refused, pointing to app.secrets',
    (name) => {
      const e = refused(app({ env: { [name]: 'hunter2' } }));
      expect(e.field).toBe(`recipe.app.env.${name}`);
      expect(e.message).toMatch(/values in env land in user data; list the name under app.secrets/);
    },
  );

  it('without postgres, DATABASE_URL in env points to app.secrets (it carries a password)', () => {
    const e = refused(app({ env: { DATABASE_URL: 'postgres://u:p@db/x' }, secrets: ['DATABASE_URL'] }, NO_DB));
    expect(e.field).toBe('recipe.app.env.DATABASE_URL');
    expect(e.message).toMatch(/list the name under app.secrets/);
  });

  it('keeps ordinary names and values', () => {
    const r = recipeFrom(app({ env: { APP_FEATURE_X: 'on', WEB_ROOT: '/srv', KEYBOARD: 'us' } }));
    expect(r.app.env).toEqual({ APP_FEATURE_X: 'on', WEB_ROOT: '/srv', KEYBOARD: 'us' });
  });
});

describe('app.secrets: names resolved at boot', () => {
  it('keeps the names, in order', () => {
    expect(recipeFrom(app({ secrets: ['SENTRY_DSN', 'STRIPE_KEY'] })).app.secrets).toEqual(['SENTRY_DSN', 'STRIPE_KEY']);
    expect(recipeFrom(app({})).app.secrets).toEqual([]);
  });

  it.each([
    [{ secrets: ['sentry_dsn'] }, undefined, 'recipe.app.secrets[0]', /secret names are A-Z/],
    [{ secrets: ['A'.repeat(65)] }, undefined, 'recipe.app.secrets[0]', /at most 64/],
    [{ secrets: [42] }, undefined, 'recipe.app.secrets[0]', /secret names/],
    [{ secrets: 'SENTRY_DSN' }, undefined, 'recipe.app.secrets', /list/],
    [{ secrets: ['SENTRY_DSN', 'SENTRY_DSN'] }, undefined, 'recipe.app.secrets[1]', /listed twice/],
    [{ secrets: Array.from({ length: 33 }, (_, i) => `S${i}`) }, undefined, 'recipe.app.secrets', /at most 32/],
    [{ secrets: ['SECRET_KEY'] }, undefined, 'recipe.app.secrets[0]', /SECRET_KEY is made by the image per instance/],
    [{ secrets: ['LD_PRELOAD'] }, undefined, 'recipe.app.secrets[0]', /dynamic loader/],
    [{ secrets: ['PYTHONPATH'] }, undefined, 'recipe.app.secrets[0]', /Python interpreter/],
    [{ secrets: ['GUNICORN_CMD_ARGS'] }, undefined, 'recipe.app.secrets[0]', /rebind/],
    [{ secrets: ['KILN_SECRET_KEY'] }, undefined, 'recipe.app.secrets[0]', /KILN_/],
    [{ secrets: ['ALLOWED_HOSTS'] }, undefined, 'recipe.app.secrets[0]', /app.domains/],
    [{ secrets: ['DATABASE_URL'] }, undefined, 'recipe.app.secrets[0]', /given by the image.*drop postgres and pgbouncer/],
    [{ secrets: ['REDIS_URL'] }, undefined, 'recipe.app.secrets[0]', /its local Redis/],
    [{ env: { SENTRY_DSN: 'x' }, secrets: ['SENTRY_DSN'] }, undefined, 'recipe.app.secrets[0]', /also set under app.env/],
    [{ secrets: ['SENTRY_DSN'] }, NO_DB, 'recipe.app.secrets', /must list DATABASE_URL when services has no postgres/],
    [{}, NO_DB, 'recipe.app.secrets', /must list DATABASE_URL/],
  ])('%j with services %j is refused at %s', (extra, services, field, msg) => {
    const e = refused(app(extra, services));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(msg);
  });

  it('DATABASE_URL (and REDIS_URL) are secrets exactly when the image does not run the service', () => {
    const r = recipeFrom(app({ secrets: ['DATABASE_URL'] }, NO_DB));
    expect(r.app.secrets).toEqual(['DATABASE_URL']);
    expect(r.services).toEqual(['nginx', 'gunicorn', 'redis']);
    expect(recipeFrom(app({ secrets: ['DATABASE_URL', 'REDIS_URL'] }, ['gunicorn', 'nginx'])).app.secrets).toEqual([
      'DATABASE_URL',
      'REDIS_URL',
    ]);
  });
});
