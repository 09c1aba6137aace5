/** The app's environment and secret names: what loaders read, what the image gives the app, what must not sit in user data. */
import { InputError } from '../errors.ts';
import type { ServiceName } from '../web.ts';
import { CONTROL, list, stringMap } from './strings.ts';

const ENV_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
const MAX_ENV_ENTRIES = 128;
const MAX_ENV_VALUE_CHARS = 4096;
const MAX_SECRETS = 32;
// Names whose value is a credential by convention; case-insensitive so a YAML-savvy rename does not slip through.
const SECRET_LOOKING = /PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|^AWS_.*KEY/i;

interface Refusal {
  why: string;
  fix: string;
}
type Rule = { match: (name: string) => boolean } & Refusal;

// Read by a program on the box before (or instead of) the app: setting them changes what runs.
const LOADER_RULES: Rule[] = [
  {
    match: (n) => n === 'GUNICORN_CMD_ARGS',
    why: 'GUNICORN_CMD_ARGS is read by gunicorn itself and would rebind it or override the workers, threads and timeouts kiln tuned for the tier',
    fix: 'remove it; kiln sizes gunicorn per tier',
  },
  {
    match: (n) => n.startsWith('GUNICORN_'),
    why: "GUNICORN_* names belong to gunicorn's own configuration, which kiln tunes per tier",
    fix: 'rename the variable',
  },
  {
    match: (n) => n.startsWith('LD_'),
    why: 'LD_* names are read by the dynamic loader of every program the app starts (LD_PRELOAD, LD_LIBRARY_PATH load other code into it)',
    fix: 'remove it',
  },
  {
    match: (n) => n.startsWith('PYTHON'),
    why: 'PYTHON* names are read by the Python interpreter before the app (PYTHONPATH, PYTHONSTARTUP, PYTHONHOME change which code runs)',
    fix: 'remove it; declare dependencies in app.requirements',
  },
  { match: (n) => n === 'PATH', why: "PATH is set by the image's service unit and decides which programs the app runs", fix: 'remove it' },
  { match: (n) => n === 'HOME', why: "HOME is set by the image to the app user's home directory", fix: 'remove it' },
  { match: (n) => n.startsWith('KILN_'), why: 'KILN_* names are set by the image itself at first boot', fix: 'rename the variable' },
  {
    match: (n) => n === 'SECRET_KEY',
    why: 'SECRET_KEY is made by the image per instance (or read from SSM on aws) and never baked',
    fix: 'remove it; the app reads SECRET_KEY from its environment',
  },
  {
    match: (n) => n === 'ALLOWED_HOSTS',
    why: 'ALLOWED_HOSTS is made by the image from app.domains (or * without domains)',
    fix: 'list the host names under app.domains',
  },
  {
    match: (n) => n === 'DJANGO_SETTINGS_MODULE',
    why: 'DJANGO_SETTINGS_MODULE is set by the image from app.settings',
    fix: 'set app.settings instead',
  },
];

const toSecrets: Refusal = {
  why: 'values in env land in user data',
  fix: 'list the name under app.secrets (resolved at boot, never baked)',
};

/** Why `name` may not be set under app.env or app.secrets with these services; null when it may. */
export function refusal(name: string, under: 'env' | 'secrets', services: readonly ServiceName[]): Refusal | null {
  const rule = LOADER_RULES.find((r) => r.match(name));
  if (rule) return rule;
  // The image gives these only when it runs the service; without it the app's own URL (with its password) is a secret.
  if (name === 'DATABASE_URL') {
    if (services.includes('postgres'))
      return {
        why: 'DATABASE_URL is given by the image: its PostgreSQL through PgBouncer, with a password made per instance',
        fix: 'remove it, or drop postgres and pgbouncer from services and list DATABASE_URL under app.secrets',
      };
    return under === 'env' ? { why: `DATABASE_URL carries a password and ${toSecrets.why}`, fix: toSecrets.fix } : null;
  }
  if (name === 'REDIS_URL') {
    if (services.includes('redis'))
      return {
        why: 'REDIS_URL is given by the image: its local Redis',
        fix: 'remove it, or drop redis from services and list REDIS_URL under app.secrets',
      };
    return under === 'env' ? { why: `REDIS_URL may carry a password and ${toSecrets.why}`, fix: toSecrets.fix } : null;
  }
  if (under === 'env' && SECRET_LOOKING.test(name))
    return { why: `${name} looks like a credential and ${toSecrets.why}`, fix: toSecrets.fix };
  return null;
}

/** app.env: plain values only, under names no loader reads and the image does not set. */
export function envFrom(v: unknown, where: string, services: readonly ServiceName[]): Record<string, string> {
  return stringMap(
    v,
    where,
    MAX_ENV_ENTRIES,
    (k, field) => {
      if (!ENV_NAME.test(k))
        throw new InputError(field, k, 'environment names are A-Z, 0-9 and _, starting with a letter (at most 64)', 'rename it');
      const no = refusal(k, 'env', services);
      if (no) throw new InputError(field, k, no.why, no.fix);
    },
    (val, field) => {
      if (val.length > MAX_ENV_VALUE_CHARS || CONTROL.test(val))
        throw new InputError(
          field,
          val,
          `must be at most ${MAX_ENV_VALUE_CHARS} characters with no control characters (newlines, tabs)`,
          'shorten it or remove them',
        );
    },
  );
}

/** app.secrets: names resolved at boot; without postgres the app's DATABASE_URL must be one of them. */
export function secretsFrom(v: unknown, where: string, services: readonly ServiceName[], env: Record<string, string>): string[] {
  const names = list(v ?? [], where, MAX_SECRETS, 'secrets: [SENTRY_DSN]', (n, field) => {
    if (typeof n !== 'string' || !ENV_NAME.test(n))
      throw new InputError(field, n ?? null, 'secret names are A-Z, 0-9 and _, starting with a letter (at most 64)', 'rename it');
    const no = refusal(n, 'secrets', services);
    if (no) throw new InputError(field, n, no.why, no.fix);
    if (Object.hasOwn(env, n))
      throw new InputError(field, n, 'is also set under app.env; a name is either a plain value or a secret', 'remove it from app.env');
    return n;
  });
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) throw new InputError(`${where}[${i}]`, n, 'is listed twice', 'list each secret once');
  });
  if (!services.includes('postgres') && !names.includes('DATABASE_URL')) {
    throw new InputError(
      where,
      names,
      'must list DATABASE_URL when services has no postgres: the image gives the app no database of its own',
      'add DATABASE_URL to app.secrets, or add postgres and pgbouncer to services',
    );
  }
  return names;
}
