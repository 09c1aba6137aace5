import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { parseRecipe, recipeFrom } from '../recipe-file.ts';

const refused = (raw: unknown): InputError => {
  try {
    recipeFrom(raw);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
};
const one = (endpoint: Record<string, unknown>) => ({ traffic: { endpoints: [{ path: '/', weight: 1, ...endpoint }] } });

describe('traffic', () => {
  it('reads the brief example from YAML with the defaults filled in', () => {
    const r = parseRecipe(
      `traffic:
  targetRps: 80
  endpoints:
    - { path: /, weight: 6 }
    - { path: /blog/, weight: 3, p99Ms: 400 }
    - { method: POST, path: /api/comments/, body: '{"text":"x"}', headers: { content-type: application/json }, status: 201, weight: 1 }
`,
      'kiln.yaml',
    );
    expect(r.traffic).toEqual({
      targetRps: 80,
      endpoints: [
        { name: 'GET /', method: 'GET', path: '/', weight: 6, status: 200 },
        { name: 'GET /blog/', method: 'GET', path: '/blog/', weight: 3, status: 200, p99Ms: 400 },
        {
          name: 'POST /api/comments/',
          method: 'POST',
          path: '/api/comments/',
          weight: 1,
          status: 201,
          body: '{"text":"x"}',
          headers: { 'content-type': 'application/json' },
        },
      ],
    });
  });

  it('is null when absent (the canary mix); a name tells two requests to the same path apart', () => {
    expect(recipeFrom({}).traffic).toBeNull();
    const t = recipeFrom({
      traffic: {
        endpoints: [
          { path: '/q?a=1', weight: 0.5 },
          { name: 'search again', path: '/q?a=1', weight: 1e6, p95Ms: 50, p99Ms: 50 },
        ],
      },
    }).traffic!;
    expect(t.endpoints.map((e) => e.name)).toEqual(['GET /q?a=1', 'search again']);
  });

  it.each<[unknown, string]>([
    [one({ weight: 0 }), 'recipe.traffic.endpoints[0].weight'],
    [one({ weight: -1 }), 'recipe.traffic.endpoints[0].weight'],
    [one({ weight: 1e6 + 1 }), 'recipe.traffic.endpoints[0].weight'],
    [one({ weight: Infinity }), 'recipe.traffic.endpoints[0].weight'],
    [one({ weight: NaN }), 'recipe.traffic.endpoints[0].weight'],
    [one({ weight: '1' }), 'recipe.traffic.endpoints[0].weight'],
    [one({ weight: undefined }), 'recipe.traffic.endpoints[0].weight'],
    [one({ status: 99 }), 'recipe.traffic.endpoints[0].status'],
    [one({ status: 600 }), 'recipe.traffic.endpoints[0].status'],
    [one({ status: 200.5 }), 'recipe.traffic.endpoints[0].status'],
    [one({ p95Ms: 0 }), 'recipe.traffic.endpoints[0].p95Ms'],
    [one({ p99Ms: 600_001 }), 'recipe.traffic.endpoints[0].p99Ms'],
    [one({ p95Ms: 500, p99Ms: 400 }), 'recipe.traffic.endpoints[0].p95Ms'],
    [one({ path: 'blog/' }), 'recipe.traffic.endpoints[0].path'],
    [one({ path: '/a b' }), 'recipe.traffic.endpoints[0].path'],
    [one({ path: '/a\r\nX-Injected: 1' }), 'recipe.traffic.endpoints[0].path'],
    [one({ path: '/café' }), 'recipe.traffic.endpoints[0].path'],
    [one({ path: '/#top' }), 'recipe.traffic.endpoints[0].path'],
    [one({ path: `/${'a'.repeat(2048)}` }), 'recipe.traffic.endpoints[0].path'],
    [one({ path: undefined }), 'recipe.traffic.endpoints[0].path'],
    [one({ method: 'get' }), 'recipe.traffic.endpoints[0].method'],
    [one({ method: 'OPTIONS' }), 'recipe.traffic.endpoints[0].method'],
    [one({ method: 'CONNECT' }), 'recipe.traffic.endpoints[0].method'],
    [one({ body: 'x' }), 'recipe.traffic.endpoints[0].body'],
    [one({ method: 'HEAD', body: 'x' }), 'recipe.traffic.endpoints[0].body'],
    [one({ method: 'POST', body: { text: 'x' } }), 'recipe.traffic.endpoints[0].body'],
    [one({ method: 'POST', body: 'x'.repeat(64 * 1024 + 1) }), 'recipe.traffic.endpoints[0].body'],
    [one({ method: 'POST', body: 'é'.repeat(32 * 1024 + 1) }), 'recipe.traffic.endpoints[0].body'],
    [one({ method: 'POST', body: 'a\0b' }), 'recipe.traffic.endpoints[0].body'],
    [one({ headers: { 'bad header': 'x' } }), 'recipe.traffic.endpoints[0].headers.bad header'],
    [one({ headers: { 'x:y': 'x' } }), 'recipe.traffic.endpoints[0].headers.x:y'],
    [one({ headers: { 'X-A': 'a\r\nX-Injected: 1' } }), 'recipe.traffic.endpoints[0].headers.X-A'],
    [one({ headers: { 'X-A': 'a\nb' } }), 'recipe.traffic.endpoints[0].headers.X-A'],
    [one({ headers: { 'X-A': 'a\0b' } }), 'recipe.traffic.endpoints[0].headers.X-A'],
    [one({ headers: { 'X-A': 1 } }), 'recipe.traffic.endpoints[0].headers.X-A'],
    [one({ headers: { 'X-A': 'a', 'x-a': 'b' } }), 'recipe.traffic.endpoints[0].headers.x-a'],
    ...['Host', 'content-length', 'Transfer-Encoding', 'CONNECTION', 'keep-alive', 'Upgrade', 'TE'].map((h): [unknown, string] => [
      one({ headers: { [h]: 'x' } }),
      `recipe.traffic.endpoints[0].headers.${h}`,
    ]),
    [one({ name: '' }), 'recipe.traffic.endpoints[0].name'],
    [one({ name: 'a\nb' }), 'recipe.traffic.endpoints[0].name'],
    [one({ timeout: 5 }), 'recipe.traffic.endpoints[0].timeout'],
    [
      {
        traffic: {
          endpoints: [
            { path: '/', weight: 1 },
            { path: '/', weight: 2 },
          ],
        },
      },
      'recipe.traffic.endpoints[1].name',
    ],
    [
      {
        traffic: {
          endpoints: [
            { name: 'home', path: '/', weight: 1 },
            { name: 'home', path: '/b', weight: 2 },
          ],
        },
      },
      'recipe.traffic.endpoints[1].name',
    ],
    [{ traffic: { endpoints: Array.from({ length: 65 }, (_, i) => ({ path: `/${i}`, weight: 1 })) } }, 'recipe.traffic.endpoints'],
    [{ traffic: { endpoints: [] } }, 'recipe.traffic.endpoints'],
    [{ traffic: { targetRps: 80 } }, 'recipe.traffic.endpoints'],
    [{ traffic: { endpoints: ['/'] } }, 'recipe.traffic.endpoints[0]'],
    [{ traffic: [{ path: '/', weight: 1 }] }, 'recipe.traffic'],
    [{ traffic: { targetRps: 0, endpoints: [{ path: '/', weight: 1 }] } }, 'recipe.traffic.targetRps'],
    [{ traffic: { targetRps: 100_001, endpoints: [{ path: '/', weight: 1 }] } }, 'recipe.traffic.targetRps'],
    [{ traffic: { rps: 80, endpoints: [{ path: '/', weight: 1 }] } }, 'recipe.traffic.rps'],
  ])('%#: refused at %s', (raw, field) => {
    expect(refused(raw).field).toBe(field);
  });

  it('keeps a body exactly 64 KiB long and hostile-looking header values that are single lines', () => {
    const t = recipeFrom(
      one({ method: 'PUT', body: 'x'.repeat(64 * 1024), headers: { 'X-Tmpl': '{{ .Path }} $(id) ${var.x}', Accept: 'a\tb' } }),
    ).traffic!;
    expect(t.endpoints[0].body!.length).toBe(64 * 1024);
    expect(t.endpoints[0].headers).toEqual({ 'X-Tmpl': '{{ .Path }} $(id) ${var.x}', Accept: 'a\tb' });
  });
});
