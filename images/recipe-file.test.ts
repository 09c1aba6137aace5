import { describe, expect, it } from 'vitest';
import { InputError } from './errors.ts';
import { parseRecipe, recipeFrom } from './recipe-file.ts';

const field = (raw: unknown) => {
  try {
    recipeFrom(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).field;
  }
  throw new Error('expected an InputError');
};

describe('recipe overrides', () => {
  it('keeps hostile strings as data where strings are allowed', () => {
    const r = recipeFrom({
      app: {
        name: 'shop',
        domains: ['shop.example.com', '*.example.org'],
        env: { GREETING: '${file("/etc/hostname")}', CMD: '$(reboot); `id`', FLAG: 'no', DAY: '2024-01-01', Q: `'"\\` },
      },
      tags: { team: '%{ if true }x%{ endif }', 'cost:center': 'a=b/c@d' },
    });
    expect(r.app.env.GREETING).toBe('${file("/etc/hostname")}');
    expect(r.tags.team).toBe('%{ if true }x%{ endif }');
    expect(r.app.domains).toEqual(['shop.example.com', '*.example.org']);
  });

  it.each([
    [{ app: { name: 'Shop' } }, 'recipe.app.name'],
    [{ app: { name: 'a; rm -rf /' } }, 'recipe.app.name'],
    [{ app: { name: '../etc' } }, 'recipe.app.name'],
    [{ app: { domains: ['example.com; return 444'] } }, 'recipe.app.domains'],
    [{ app: { domains: ['exa mple.com'] } }, 'recipe.app.domains'],
    [{ app: { env: { 'bad-name': 'x' } } }, 'recipe.app.env.bad-name'],
    [{ app: { env: { 'A=B': 'x' } } }, 'recipe.app.env.A=B'],
    [{ app: { env: { KILN_SECRET_KEY: 'x' } } }, 'recipe.app.env.KILN_SECRET_KEY'],
    [{ app: { env: { LINE: 'a\nb' } } }, 'recipe.app.env.LINE'],
    [{ app: { env: { N: 5 } } }, 'recipe.app.env.N'],
    [{ app: { workerPrivateMiB: 0.5 } }, 'recipe.app.workerPrivateMiB'],
    [{ app: { colour: 'red' } }, 'recipe.app.colour'],
    [{ tags: { 'aws:x': 'y' } }, 'recipe.tags.aws:x'],
    [{ tags: { t: 'x'.repeat(300) } }, 'recipe.tags.t'],
    [{ image: 'x' }, 'recipe.image'],
  ])('rejects %j at %s', (raw, name) => {
    expect(field(raw)).toBe(name);
  });

  it('shows a hostile key escaped on one line, never as a raw newline', () => {
    let msg = '';
    try {
      recipeFrom({ app: { env: { 'A\nkiln: ok': 'x' } } });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('recipe.app.env.A\\nkiln: ok');
    expect(msg).not.toContain('\n');
  });

  it('reads YAML 1.1 so an unquoted no/on/date is caught, not silently turned into a boolean', () => {
    expect(() => parseRecipe('app:\n  env:\n    DEBUG: no\n', 'r.yaml')).toThrow(/recipe\.app\.env\.DEBUG = false: must be a string/);
    expect(parseRecipe('app:\n  env:\n    DEBUG: "no"\n', 'r.yaml').app.env.DEBUG).toBe('no');
    expect(() => parseRecipe('{', 'r.json')).toThrow(/--recipe/);
  });
});
