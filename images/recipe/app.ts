/** recipe.app: the Django app the image carries (a project dir, a wheel, or kiln's canary) and what it costs. */
import { resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { ASSUMED_APP_MEMORY, CANARY_APP, type AppProfile, type AppSource, type ServiceName } from '../web.ts';
import { envFrom, secretsFrom } from './env.ts';
import { CONTROL, list, mapping, number, text } from './strings.ts';
import { requestPath } from './traffic.ts';

export const APP_KEYS = [
  'name',
  'source',
  'requirements',
  'settings',
  'wsgi',
  'health',
  'static',
  'staticUrl',
  'seed',
  'env',
  'secrets',
  'domains',
  'requestTimeoutSec',
  'workerPrivateMiB',
] as const;
// Keys that describe an app's code: the canary brings its own.
const SOURCE_KEYS = ['settings', 'wsgi', 'seed', 'requirements', 'health', 'static', 'staticUrl'] as const;

const APP_NAME = /^[a-z][a-z0-9_]{0,30}$/;
// The name becomes a Unix user, a Postgres role and a database: these already exist on the image or are Postgres-reserved.
const TAKEN_NAMES = [
  'root',
  'daemon',
  'bin',
  'sys',
  'sync',
  'games',
  'man',
  'lp',
  'mail',
  'news',
  'uucp',
  'proxy',
  'backup',
  'list',
  'irc',
  'gnats',
  'nobody',
  'messagebus',
  'polkitd',
  'sshd',
  'syslog',
  'ubuntu',
  'admin',
  'debian',
  'kiln',
  'nginx',
  'redis',
  'postgres',
  'pgbouncer',
  'template0',
  'template1',
  'public',
  'none',
  'current_user',
  'current_role',
  'session_user',
];
// RFC 1123 host names, optionally a leading wildcard label, as nginx server_name accepts them literally.
const DOMAIN = /^(\*\.)?(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IDENT = '[A-Za-z_][A-Za-z0-9_]*';
const MODULE = `${IDENT}(\\.${IDENT})*`;
const SETTINGS = new RegExp(`^${MODULE}$`);
const WSGI = new RegExp(`^${MODULE}:${IDENT}$`);
// A plain URL prefix: it is spliced into an nginx location, so only unreserved characters, and never the site root.
const STATIC_URL = /^\/([A-Za-z0-9_~-][A-Za-z0-9._~-]*\/)+$/;
const SEED_COMMAND = /^[a-z_][a-z0-9_]*$/;
const MAX_PATH_CHARS = 4096;
const MAX_SEED_ARGS = 32;

function nameFrom(v: unknown, where: string): string {
  if (typeof v !== 'string' || !APP_NAME.test(v)) {
    throw new InputError(
      where,
      v ?? null,
      'must be 1-31 characters of a-z, 0-9 and _, starting with a letter (it names a Unix user, a database and a role)',
      'rename the app',
    );
  }
  if (TAKEN_NAMES.includes(v) || v.startsWith('pg_')) {
    throw new InputError(
      where,
      v,
      'is a Unix user or Postgres role the image already has (or Postgres reserves pg_*)',
      "pick a name of your own, e.g. your project's",
    );
  }
  return v;
}

function domainsFrom(v: unknown, where: string): string[] {
  const domains = v ?? [];
  if (!Array.isArray(domains) || domains.length > 32)
    throw new InputError(where, domains, 'must be a list of at most 32 host names', 'list host names like www.example.com');
  for (const d of domains) {
    if (typeof d !== 'string' || !DOMAIN.test(d))
      throw new InputError(
        where,
        d,
        'must be a lower-case DNS host name (letters, digits, hyphens, dots; optional leading *.)',
        'fix the host name',
      );
  }
  return domains as string[];
}

/** A path in the recipe, relative to the recipe file's directory; only resolved here, never read. */
const localPath = (v: unknown, where: string, baseDir: string): string =>
  resolve(baseDir, text(v, where, 'a path relative to the recipe file', MAX_PATH_CHARS));

function sourceFrom(v: unknown, where: string, baseDir: string): AppSource {
  const path = localPath(v, where, baseDir);
  return /\.whl$/i.test(path) ? { kind: 'wheel', path } : { kind: 'dir', path };
}

function seedFrom(v: unknown, where: string): string[] {
  if (Array.isArray(v) && v.length === 0)
    throw new InputError(
      where,
      v,
      `must name a manage.py command and up to ${MAX_SEED_ARGS - 1} arguments`,
      'remove seed, or write [loaddata, demo.json]',
    );
  return list(v, where, MAX_SEED_ARGS, 'seed: [loaddata, demo.json]', (arg, field) => {
    if (typeof arg !== 'string' || arg.length > MAX_PATH_CHARS || CONTROL.test(arg)) {
      throw new InputError(
        field,
        arg ?? null,
        `must be a string of at most ${MAX_PATH_CHARS} characters with no control characters`,
        'quote it or remove them',
      );
    }
    if (field.endsWith('[0]') && !SEED_COMMAND.test(arg))
      throw new InputError(field, arg, 'must be a manage.py command name (a-z, 0-9 and _)', 'write the command first, e.g. loaddata');
    return arg;
  });
}

function identifier(v: unknown, where: string, re: RegExp, what: string, example: string): string {
  if (typeof v !== 'string' || v.length > 255 || !re.test(v))
    throw new InputError(where, v ?? null, `must be ${what}`, `write e.g. ${example}`);
  return v;
}

/** The memory figures: declared by the recipe, else the canary's measured ones or kiln's assumption for a team's app. */
function memoryFrom(
  v: unknown,
  where: string,
  canary: boolean,
): Pick<AppProfile, 'workerPrivateMiB' | 'threadMiB' | 'workerGrowthMiB' | 'masterMiB' | 'profileSource'> {
  const base = canary ? CANARY_APP : ASSUMED_APP_MEMORY;
  const figures = {
    workerPrivateMiB: base.workerPrivateMiB,
    threadMiB: base.threadMiB,
    workerGrowthMiB: base.workerGrowthMiB,
    masterMiB: base.masterMiB,
  };
  if (v === undefined) return { ...figures, profileSource: canary ? 'measured' : 'assumed' };
  return { ...figures, workerPrivateMiB: number(v, where, 8, 4096, { whole: true, loInclusive: true }), profileSource: 'declared' };
}

/** recipe.app; `baseDir` resolves source and requirements (the recipe file's directory). */
export function appFrom(v: unknown, where: string, services: readonly ServiceName[], baseDir: string): AppProfile {
  const app = v === undefined ? {} : mapping(v, where, APP_KEYS, 'app: { name: mysite, source: ., settings: mysite.settings }');
  const canary = app.source === undefined;
  if (!canary && app.name === undefined)
    throw new InputError(
      `${where}.name`,
      null,
      'is required with app.source (it names the Unix user, database and role)',
      'add name: yourapp',
    );
  const env = envFrom(app.env, `${where}.env`, services);
  const common = {
    name: app.name === undefined ? CANARY_APP.name : nameFrom(app.name, `${where}.name`),
    domains: domainsFrom(app.domains, `${where}.domains`),
    env,
    secrets: secretsFrom(app.secrets, `${where}.secrets`, services, env),
    requestTimeoutSec:
      app.requestTimeoutSec === undefined
        ? CANARY_APP.requestTimeoutSec
        : number(app.requestTimeoutSec, `${where}.requestTimeoutSec`, 5, 3600, { whole: true, loInclusive: true }),
    ...memoryFrom(app.workerPrivateMiB, `${where}.workerPrivateMiB`, canary),
  };
  if (canary) {
    const k = SOURCE_KEYS.find((key) => app[key] !== undefined);
    if (k)
      throw new InputError(
        `${where}.${k}`,
        app[k],
        "describes an app source, and app.source is not given (the image carries kiln's canary app)",
        `add app.source, or remove ${k}`,
      );
    return { ...CANARY_APP, ...common };
  }
  const source = sourceFrom(app.source, `${where}.source`, baseDir);
  if (app.settings === undefined)
    throw new InputError(
      `${where}.settings`,
      null,
      'is required with app.source: the DJANGO_SETTINGS_MODULE the image runs with',
      'add settings: yourproject.settings',
    );
  const settings = identifier(
    app.settings,
    `${where}.settings`,
    SETTINGS,
    'a dotted Python module (DJANGO_SETTINGS_MODULE)',
    'mysite.settings.production',
  );
  const isStatic = app.static ?? true;
  if (typeof isStatic !== 'boolean')
    throw new InputError(`${where}.static`, isStatic, 'must be true or false', 'write static: false to skip collectstatic');
  if (!isStatic && app.staticUrl !== undefined)
    throw new InputError(`${where}.staticUrl`, app.staticUrl, 'has no effect with static: false', 'remove staticUrl, or set static: true');
  const staticUrl = app.staticUrl ?? '/static/';
  if (typeof staticUrl !== 'string' || !STATIC_URL.test(staticUrl)) {
    throw new InputError(
      `${where}.staticUrl`,
      staticUrl,
      'must be a URL prefix that starts and ends with / and has at least one segment of letters, digits, . _ ~ -',
      'write e.g. /static/',
    );
  }
  return {
    ...common,
    source,
    requirements: app.requirements === undefined ? null : localPath(app.requirements, `${where}.requirements`, baseDir),
    settings,
    wsgi:
      app.wsgi === undefined
        ? `${settings.split('.')[0]}.wsgi:application`
        : identifier(
            app.wsgi,
            `${where}.wsgi`,
            WSGI,
            'module:attribute (a dotted Python module, a colon, a name)',
            'mysite.wsgi:application',
          ),
    healthPath: app.health === undefined ? '/' : requestPath(app.health, `${where}.health`),
    staticUrl: isStatic ? staticUrl : null,
    seed: app.seed === undefined ? null : seedFrom(app.seed, `${where}.seed`),
  };
}
