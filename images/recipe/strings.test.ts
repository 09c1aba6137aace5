import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { parseRecipe, recipeFrom } from '../recipe-file.ts';

const refusedJson = (json: string): InputError => {
  try {
    parseRecipe(json, 'kiln.json');
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error(`accepted ${json}`);
};
const refused = (raw: unknown): InputError => {
  try {
    recipeFrom(raw);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
};
const SRC = '"name":"mysite","source":".","settings":"mysite.settings"';

describe('text that cannot be encoded', () => {
  // JSON.parse turns each "\\ud800" escape into an unpaired surrogate; the field names where it sits.
  it.each([
    [`{"app":{"env":{"GREETING":"hi \\ud800"}}}`, 'recipe.app.env.GREETING'],
    [`{"app":{"env":{"A\\udc00":"x"}}}`, 'recipe.app.env.A\\udc00'],
    [`{"app":{"name":"\\ud800"}}`, 'recipe.app.name'],
    [`{"app":{${SRC},"seed":["loaddata","\\udfff.json"]}}`, 'recipe.app.seed[1]'],
    [`{"app":{"name":"mysite","settings":"mysite.settings","source":"./\\ud800"}}`, 'recipe.app.source'],
    [`{"app":{"domains":["\\ud800.example.com"]}}`, 'recipe.app.domains[0]'],
    [`{"app":{"secrets":["\\ud800"]}}`, 'recipe.app.secrets[0]'],
    [`{"tags":{"team":"w\\ud800b"}}`, 'recipe.tags.team'],
    [`{"tags":{"\\ud800":"x"}}`, 'recipe.tags.\\ud800'],
    [`{"traffic":{"endpoints":[{"path":"/\\ud800","weight":1}]}}`, 'recipe.traffic.endpoints[0].path'],
    [
      `{"traffic":{"endpoints":[{"method":"POST","path":"/","weight":1,"body":"{\\"t\\":\\"\\ud83d\\"}"}]}}`,
      'recipe.traffic.endpoints[0].body',
    ],
    [`{"traffic":{"endpoints":[{"path":"/","weight":1,"headers":{"X-A":"\\ude00"}}]}}`, 'recipe.traffic.endpoints[0].headers.X-A'],
    [`{"traffic":{"endpoints":[{"path":"/","weight":1,"name":"\\ud800"}]}}`, 'recipe.traffic.endpoints[0].name'],
    [`{"unknown\\ud800":1}`, 'recipe.unknown\\ud800'],
  ])('%s is refused at %s', (json, field) => {
    const e = refusedJson(json);
    expect(e.field).toBe(field);
    expect(e.message).toMatch(/unpaired UTF-16 surrogate/);
    // The message itself is well-formed: the surrogate is shown as an escape.
    expect(e.message).not.toMatch(/\p{Surrogate}/u);
  });

  it('YAML double-quoted escapes are caught the same way; a paired surrogate (an emoji) is fine', () => {
    expect(() => parseRecipe('app:\n  env:\n    GREETING: "x\\ud800"\n', 'kiln.yaml')).toThrow(
      /recipe\.app\.env\.GREETING = "x\\ud800": holds an unpaired/,
    );
    expect(parseRecipe('app:\n  env:\n    GREETING: "x\\ud83d\\ude00"\n', 'kiln.yaml').app.env.GREETING).toBe('x😀');
  });
});

describe('document shape', () => {
  it.each([
    [null, 'recipe'],
    [[], 'recipe'],
    ['app: x', 'recipe'],
    [{ version: 1 }, 'recipe.version'],
    [{ version: '2' }, 'recipe.version'],
    [{ app: new Date(0) }, 'recipe.app'],
    [{ app: new Map() }, 'recipe.app'],
    [{ app: { env: new Date(0) } }, 'recipe.app.env'],
    [{ app: { env: { D: new Date(0) } } }, 'recipe.app.env.D'],
    [{ tags: { 'kiln:tier': 'x' } }, 'recipe.tags.kiln:tier'],
    [{ tags: Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`t${i}`, 'x'])) }, 'recipe.tags'],
  ])('%j is refused at %s', (raw, field) => {
    expect(refused(raw).field).toBe(field);
  });

  it('accepts version: 2 and keeps a "__proto__" tag as data, not as a prototype', () => {
    expect(recipeFrom({ version: 2 }).app.name).toBe('canary');
    const tags = recipeFrom(JSON.parse('{"tags":{"__proto__":"x"}}')).tags;
    expect(Object.keys(tags)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
  });

  it('refuses nesting deeper than any recipe field, and YAML warnings (an unknown !tag) as bad input', () => {
    const deep = JSON.parse(`{"traffic":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect(refused(deep).field).toMatch(/^recipe\.traffic(\[0\])+$/);
    const e = (() => {
      try {
        parseRecipe('app:\n  name: !shell mysite\n', 'kiln.yml');
      } catch (x) {
        return x as InputError;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(InputError);
    expect(e!.field).toBe('--recipe');
    expect(e!.message).toMatch(/Unresolved tag: !shell/);
    expect(e!.message).not.toContain('\n');
  });
});
