import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { recipeFrom } from '../recipe-file.ts';
import { SERVICE_NAMES } from '../web.ts';

const withSource = (services: unknown, secrets: string[] = []) => ({
  services,
  app: { name: 'mysite', source: '.', settings: 'mysite.settings', secrets },
});
const refused = (raw: unknown): InputError => {
  try {
    recipeFrom(raw);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
};

describe('services', () => {
  it("defaults to all five; a subset comes back in the stack's order", () => {
    expect(recipeFrom({}).services).toEqual(SERVICE_NAMES);
    expect(recipeFrom(withSource(['redis', 'gunicorn', 'nginx'], ['DATABASE_URL'])).services).toEqual(['nginx', 'gunicorn', 'redis']);
    expect(recipeFrom(withSource(['postgres', 'nginx', 'pgbouncer', 'gunicorn'])).services).toEqual([
      'nginx',
      'gunicorn',
      'pgbouncer',
      'postgres',
    ]);
  });

  it.each([
    [withSource(['nginx', 'gunicorn', 'mysql'], ['DATABASE_URL']), 'recipe.services[2]', /must be one of/],
    [withSource(['nginx', 'gunicorn', 'nginx'], ['DATABASE_URL']), 'recipe.services[2]', /listed twice/],
    [withSource('nginx'), 'recipe.services', /list/],
    [withSource(['gunicorn', 'redis'], ['DATABASE_URL']), 'recipe.services', /must include nginx/],
    [withSource(['nginx', 'postgres', 'pgbouncer']), 'recipe.services', /must include gunicorn/],
    [withSource(['nginx', 'gunicorn', 'postgres']), 'recipe.services', /postgres and pgbouncer go together/],
    [withSource(['nginx', 'gunicorn', 'pgbouncer'], ['DATABASE_URL']), 'recipe.services', /postgres and pgbouncer go together/],
    [withSource(['nginx', 'gunicorn', 'redis']), 'recipe.app.secrets', /must list DATABASE_URL when services has no postgres/],
    [{ services: ['nginx', 'gunicorn', 'pgbouncer', 'postgres'] }, 'recipe.services', /canary.*needs every service/],
  ])('%j is refused at %s', (raw, field, msg) => {
    const e = refused(raw);
    expect(e.field).toBe(field);
    expect(e.message).toMatch(msg);
  });
});
