/**
 * /etc/kiln/boot.json: what first boot needs to know about this launch. Names and references only:
 * secrets are fetched (SSM) or generated on the box by kiln-firstboot, never written here.
 */
import type { DistroProfile } from '../distro.ts';
import { InputError } from '../errors.ts';
import { serverNames } from '../files/nginx.ts';
import type { Recipe } from '../web.ts';

export const BOOT_JSON_PATH = '/etc/kiln/boot.json';

/** Env names the image's first boot writes itself; the recipe may not set them. */
export const KILN_ENV = [
  'KILN_DB_NAME',
  'KILN_DB_USER',
  'KILN_DB_PASSWORD',
  'KILN_DB_HOST',
  'KILN_DB_PORT',
  'KILN_REDIS_URL',
  'KILN_ALLOWED_HOSTS',
  'KILN_SECRET_KEY',
  'DATABASE_URL',
  'REDIS_URL',
  'SECRET_KEY',
  'ALLOWED_HOSTS',
  'DJANGO_SETTINGS_MODULE',
] as const;

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
// The app name is also the Postgres role and database name (firstboot checks the same pattern).
const PG_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Where first boot gets secrets. ssm: one SecureString parameter per name (the instance role reads them). generate:
 * made on the box, or taken from the launch's secrets file when it has the name (local boxes; never in user data).
 */
export type SecretSpec = { source: 'ssm'; parameters: Record<string, string> } | { source: 'generate'; names?: string[] };

export interface BootConfig {
  version: 1;
  tier: string;
  app: string;
  /** Lineage: the image files this user data was rendered with. */
  imageHash: string;
  /** Django ALLOWED_HOSTS: the recipe's domains (`*.x` as `.x`), or `*` when nginx is the default server. */
  allowedHosts: string[];
  /** Non-secret app environment from the recipe, sorted by name. */
  env: Record<string, string>;
  secrets: SecretSpec;
  /** Migrate at first boot: a single box does; a fleet's instances leave it to one explicit step. */
  migrate: boolean;
}

/** The SSM path the fleet's instance role may read (cdktf/policy.ts grants `<path>/*`; targets/aws/fleet-env.ts). */
export const secretsPathFor = (tierName: string) => `/kiln/${tierName}/app`;

/** SSM parameter names per secret (the instance role reads them at boot); SecureString values never leave SSM. */
export const ssmParameters = (tierName: string, names: readonly string[] = []): Record<string, string> => ({
  KILN_SECRET_KEY: `${secretsPathFor(tierName)}/django-secret-key`,
  ...Object.fromEntries([...names].sort().map((n) => [n, `${secretsPathFor(tierName)}/${n}`])),
});

export interface BootInput {
  tierName: string;
  recipe: Recipe;
  distro: DistroProfile;
  imageHash: string;
  migrate?: boolean;
}

/** Django ALLOWED_HOSTS for the recipe's domains (`*.x` as `.x`), `*` without domains (nginx is then the default server). */
export const allowedHostsOf = (domains: string[]): string[] =>
  domains.length ? domains.map((d) => (d.startsWith('*.') ? d.slice(1) : d)) : ['*'];

export function bootConfig({ tierName, recipe, distro, imageHash, migrate = true }: BootInput): BootConfig {
  const app = recipe.app.name;
  if (typeof app !== 'string' || !PG_NAME.test(app)) {
    throw new InputError(
      'recipe.app.name',
      app,
      `lower-case letters, digits and _ (${PG_NAME.source}): it names the Postgres role and database`,
      'rename the app',
    );
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(recipe.app.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!ENV_NAME.test(name)) {
      throw new InputError(`recipe.app.env.${name}`, name, `env names match ${ENV_NAME.source}`, 'rename the variable');
    }
    if ((KILN_ENV as readonly string[]).includes(name)) {
      throw new InputError(
        `recipe.app.env.${name}`,
        name,
        `${KILN_ENV.join(', ')} are set per instance at first boot`,
        'remove it from the recipe',
      );
    }
    if (typeof value !== 'string' || value.includes('\0')) {
      throw new InputError(`recipe.app.env.${name}`, value, 'a string without NUL bytes', 'fix the value');
    }
    env[name] = value;
  }
  const names = [...recipe.app.secrets].sort();
  const secrets: SecretSpec =
    distro.secretSource === 'ssm'
      ? { source: 'ssm', parameters: ssmParameters(tierName, names) }
      : { source: 'generate', ...(names.length ? { names } : {}) };
  const domains = recipe.app.domains;
  serverNames(domains); // the same host-name check nginx's server_name gets (InputError naming the entry)
  // Django spells nginx's leading wildcard `*.example.com` as `.example.com`.
  const allowedHosts = allowedHostsOf(domains);
  return { version: 1, tier: tierName, app, imageHash, allowedHosts, env, secrets, migrate };
}

/** JSON with every non-ASCII character escaped: the file content survives any YAML or text tool unchanged. */
export function bootJson(boot: BootConfig): string {
  return `${JSON.stringify(boot).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
