/** docs/kiln.schema.json (hand-written, for editors) and the parser agree on what a recipe is. */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { InputError } from './errors.ts';
import { RECIPE_KEYS, recipeDocument, recipeFrom } from './recipe-file.ts';
import { APP_KEYS } from './recipe/app.ts';
import { ENDPOINT_KEYS, HTTP_METHODS } from './recipe/traffic.ts';
import { SERVICE_NAMES } from './web.ts';

const schema = JSON.parse(readFileSync(new URL('../docs/kiln.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ strict: true, allErrors: true }).compile(schema);
// The document the parser sees (YAML 1.1), which is also what an editor's schema check sees for these samples.
const yaml = (text: string): unknown => recipeDocument(text, 'kiln.yaml');
const parserRefuses = (doc: unknown): string => {
  try {
    recipeFrom(doc, 'recipe', '/srv/recipes');
  } catch (e) {
    if (e instanceof InputError) return e.field;
    throw e;
  }
  return 'accepted';
};

const SRC = 'app:\n  name: mysite\n  source: .\n  settings: mysite.settings\n';

// The complete example of docs/recipe.md, so the reference cannot drift from what kiln reads.
const DOC_EXAMPLE = readFileSync(new URL('../docs/recipe.md', import.meta.url), 'utf8')
  .split('## A complete example')[1]
  .split('```yaml\n')[1]
  .split('```')[0];

const VALID: Record<string, string> = {
  'the complete example of docs/recipe.md': DOC_EXAMPLE,
  'the reference example': `version: 2
app:
  name: mysite
  source: .
  requirements: requirements.txt
  settings: mysite.settings.production
  wsgi: mysite.wsgi:application
  health: /health/
  static: true
  staticUrl: /static/
  seed: [loaddata, demo.json]
  env: { APP_FEATURE_X: "on" }
  secrets: [SENTRY_DSN]
  domains: [www.example.com, "*.example.org"]
  requestTimeoutSec: 30
  workerPrivateMiB: 120
services: [nginx, gunicorn, pgbouncer, postgres, redis]
traffic:
  targetRps: 80
  endpoints:
    - { path: /, weight: 6 }
    - { path: /blog/, weight: 3, p99Ms: 400 }
    - { method: POST, path: /api/comments/, body: '{"text":"x"}', headers: { content-type: application/json }, status: 201, weight: 1 }
tags: { team: web }
`,
  'an empty recipe (the canary on the full stack)': '{}',
  'the canary with domains, env, tags, traffic and declared memory': `app:
  name: probe
  domains: [probe.example.com]
  env: { GREETING: "$(id) \${var.x} {{ .Path }}" }
  workerPrivateMiB: 40
traffic:
  endpoints: [{ path: "/slow?ms=20", weight: 1, p95Ms: 100, p99Ms: 200 }]
tags: { "cost:center": "a=b/c@d" }
`,
  'a wheel without a database of its own': `app:
  name: shop
  source: ../dist/shop-1.2-py3-none-any.whl
  settings: shop.settings
  static: false
  secrets: [DATABASE_URL, SENTRY_DSN]
services: [nginx, gunicorn, redis]
`,
  'only nginx and gunicorn, the database and Redis from secrets': `${SRC}  secrets: [DATABASE_URL, REDIS_URL]\nservices: [gunicorn, nginx]\n`,
  'explicit null traffic': `${SRC}traffic: null\n`,
  'a JSON-style $schema key': '$schema: ../docs/kiln.schema.json\nversion: 2\n',
};

const INVALID: Record<string, string> = {
  'unknown top-level key': 'image: x\n',
  'unknown app key': `${SRC}  colour: red\n`,
  'unknown endpoint key': 'traffic:\n  endpoints: [{ path: /, weight: 1, timeout: 5 }]\n',
  'version 1': 'version: 1\n',
  'a $schema that is not a string': '$schema: 5\n',
  'weight as a string': 'traffic:\n  endpoints: [{ path: /, weight: "1" }]\n',
  'env value that YAML 1.1 reads as a boolean': 'app:\n  env: { DEBUG: no }\n',
  'services as a string': `${SRC}services: nginx\n`,
  'static as a string': `${SRC}  static: "yes"\n`,
  'requestTimeoutSec as a fraction': 'app:\n  requestTimeoutSec: 30.5\n',
  'method not in the enum': 'traffic:\n  endpoints: [{ method: OPTIONS, path: /, weight: 1 }]\n',
  'service not in the enum': `${SRC}services: [nginx, gunicorn, pgbouncer, postgres, mysql]\n`,
  'a source without settings': 'app:\n  name: mysite\n  source: .\n',
  'a source without name': 'app:\n  source: .\n  settings: mysite.settings\n',
  'settings without a source': 'app:\n  settings: mysite.settings\n',
  'health without a source': 'app:\n  health: /\n',
  'a body on GET': 'traffic:\n  endpoints: [{ path: /, weight: 1, body: x }]\n',
  'a Host header': 'traffic:\n  endpoints: [{ path: /, weight: 1, headers: { HOST: x } }]\n',
  'a header value with CR LF': 'traffic:\n  endpoints: [{ path: /, weight: 1, headers: { X-A: "a\\r\\nX-B: 1" } }]\n',
  'GUNICORN_CMD_ARGS in env': `${SRC}  env: { GUNICORN_CMD_ARGS: "--bind 0.0.0.0:80" }\n`,
  'LD_PRELOAD in env': `${SRC}  env: { LD_PRELOAD: /tmp/x.so }\n`,
  'a password in env': `${SRC}  env: { DB_PASSWORD: hunter2 }\n`,
  'an AWS key in env': `${SRC}  env: { AWS_SECRET_ACCESS_KEY: x }\n`,
  'SECRET_KEY as a secret': `${SRC}  secrets: [SECRET_KEY]\n`,
  'DATABASE_URL as a secret beside postgres': `${SRC}  secrets: [DATABASE_URL]\n`,
  'REDIS_URL as a secret beside redis': `${SRC}  secrets: [REDIS_URL]\n`,
  'a duplicate secret': `${SRC}  secrets: [A, A]\n`,
  'no DATABASE_URL without postgres': `${SRC}services: [nginx, gunicorn, redis]\n`,
  'no gunicorn': `${SRC}  secrets: [DATABASE_URL]\nservices: [nginx, redis]\n`,
  'postgres without pgbouncer': `${SRC}services: [nginx, gunicorn, postgres]\n`,
  'the canary without redis': 'services: [nginx, gunicorn, pgbouncer, postgres]\n',
  'staticUrl at the site root': `${SRC}  staticUrl: /\n`,
  'staticUrl with static: false': `${SRC}  static: false\n  staticUrl: /static/\n`,
  'an empty seed': `${SRC}  seed: []\n`,
  'a status of 600': 'traffic:\n  endpoints: [{ path: /, weight: 1, status: 600 }]\n',
  'a weight of 0': 'traffic:\n  endpoints: [{ path: /, weight: 0 }]\n',
  'a path without the leading slash': 'traffic:\n  endpoints: [{ path: blog/, weight: 1 }]\n',
  'a path with a space': 'traffic:\n  endpoints: [{ path: "/a b", weight: 1 }]\n',
  'no endpoints': 'traffic:\n  endpoints: []\n',
  'a targetRps of 0': 'traffic:\n  targetRps: 0\n  endpoints: [{ path: /, weight: 1 }]\n',
  'a kiln: tag': 'tags: { "kiln:tier": x }\n',
  'root as the app name': `${SRC.replace('mysite\n', 'root\n')}`,
  'an upper-case domain': 'app:\n  domains: [WWW.example.com]\n',
};

// Rules only the parser can check; the schema's description lists them.
const PARSER_ONLY: Record<string, unknown> = {
  'a name in both env and secrets': { app: { env: { SENTRY_DSN: 'x' }, secrets: ['SENTRY_DSN'] } },
  'p95Ms above p99Ms': { traffic: { endpoints: [{ path: '/', weight: 1, p95Ms: 500, p99Ms: 400 }] } },
  'two endpoints with the same default name': {
    traffic: {
      endpoints: [
        { path: '/', weight: 1 },
        { path: '/', weight: 2 },
      ],
    },
  },
  'a seed command that is not a command name': { app: { name: 'mysite', source: '.', settings: 'mysite.settings', seed: ['../bin/sh'] } },
  'an unpaired surrogate': JSON.parse('{"app":{"env":{"GREETING":"\\ud800"}}}'),
};

describe('docs/kiln.schema.json', () => {
  it('compiles under ajv strict mode', () => {
    expect(() => new Ajv({ strict: true }).compile(schema)).not.toThrow();
  });

  it('lists the same keys and enums as the parser', () => {
    expect(Object.keys(schema.properties)).toEqual([...RECIPE_KEYS]);
    expect(Object.keys(schema.definitions.app.properties)).toEqual([...APP_KEYS]);
    expect(Object.keys(schema.definitions.endpoint.properties)).toEqual([...ENDPOINT_KEYS]);
    expect(schema.properties.services.items.enum).toEqual(SERVICE_NAMES);
    expect(schema.definitions.endpoint.properties.method.enum).toEqual(HTTP_METHODS);
  });

  it.each(Object.entries(VALID))('accepts %s, as the parser does', (_what, text) => {
    const doc = yaml(text);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(parserRefuses(doc)).toBe('accepted');
  });

  it.each(Object.entries(INVALID))('refuses %s, as the parser does', (_what, text) => {
    const doc = yaml(text);
    expect(validate(doc)).toBe(false);
    expect(parserRefuses(doc)).not.toBe('accepted');
  });

  it.each(Object.entries(PARSER_ONLY))('leaves %s to the parser, which refuses it', (_what, doc) => {
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(parserRefuses(doc)).not.toBe('accepted');
  });
});
