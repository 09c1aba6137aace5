/** A user's recipe overrides (app name, domains, environment, tags, measured app memory), read from YAML or JSON and validated. */
import { parse as parseYaml } from 'yaml';
import { InputError } from './errors.ts';
import { WEB, type Recipe } from './web.ts';

const APP_NAME = /^[a-z][a-z0-9_]{0,30}$/;
// RFC 1123 host names, optionally a leading wildcard label, as nginx server_name accepts them literally.
const DOMAIN = /^(\*\.)?(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const ENV_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
const RESERVED_ENV = /^KILN_/;
const CONTROL = /[\u0000-\u001f\u007f]/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function keys(obj: Record<string, unknown>, allowed: string[], where: string) {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new InputError(`${where}.${k}`, obj[k], `unknown key; allowed: ${allowed.join(', ')}`, 'remove it or fix its spelling');
  }
}

function stringMap(v: unknown, where: string, keyRe: RegExp, keyRule: string, maxValue: number): Record<string, string> {
  if (v === undefined) return {};
  if (!isObject(v)) throw new InputError(where, v, 'must be a mapping of names to strings', 'write NAME: "value" pairs');
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (!keyRe.test(k)) throw new InputError(`${where}.${k}`, k, keyRule, 'rename it');
    if (typeof val !== 'string') throw new InputError(`${where}.${k}`, val, 'must be a string (quote numbers, booleans and dates)', `write ${k}: "${String(val)}"`);
    if (val.length > maxValue || CONTROL.test(val)) throw new InputError(`${where}.${k}`, val, `must be at most ${maxValue} characters with no control characters (newlines, tabs)`, 'shorten it or remove them');
    out[k] = val;
  }
  return out;
}

/** Validates an overrides object on top of the built-in web recipe. */
export function recipeFrom(raw: unknown, where = 'recipe'): Recipe {
  if (!isObject(raw)) throw new InputError(where, raw ?? null, 'must be a mapping with app and/or tags', 'see README: --recipe');
  keys(raw, ['app', 'tags'], where);
  const app = raw.app === undefined ? {} : raw.app;
  if (!isObject(app)) throw new InputError(`${where}.app`, app, 'must be a mapping', 'write app: { name: ..., domains: [...] }');
  keys(app, ['name', 'domains', 'env', 'workerPrivateMiB', 'requestTimeoutSec'], `${where}.app`);
  const name = app.name ?? WEB.app.name;
  if (typeof name !== 'string' || !APP_NAME.test(name)) {
    throw new InputError(`${where}.app.name`, name, 'must be 1-31 characters of a-z, 0-9 and _, starting with a letter (it names a Unix user, a database and a role)', 'rename the app');
  }
  const domains = app.domains ?? [];
  if (!Array.isArray(domains) || domains.length > 32) throw new InputError(`${where}.app.domains`, domains, 'must be a list of at most 32 host names', 'list host names like www.example.com');
  for (const d of domains) {
    if (typeof d !== 'string' || !DOMAIN.test(d)) throw new InputError(`${where}.app.domains`, d, 'must be a lower-case DNS host name (letters, digits, hyphens, dots; optional leading *.)', 'fix the host name');
  }
  const env = stringMap(app.env, `${where}.app.env`, ENV_NAME, 'environment names are A-Z, 0-9 and _, starting with a letter', 4096);
  const reserved = Object.keys(env).find((k) => RESERVED_ENV.test(k));
  if (reserved) throw new InputError(`${where}.app.env.${reserved}`, reserved, 'KILN_* names are set by the image itself', 'rename the variable');
  const num = (k: 'workerPrivateMiB' | 'requestTimeoutSec', lo: number, hi: number) => {
    const v = app[k] ?? WEB.app[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new InputError(`${where}.app.${k}`, v, `must be a whole number from ${lo} to ${hi}`, `set ${k} within that range`);
    return v;
  };
  const tags = stringMap(raw.tags, `${where}.tags`, /^(?!aws:)[\p{L}\p{N} +\-=._:/@]{1,128}$/u, 'tag keys are 1-128 letters, digits, spaces and + - = . _ : / @, not starting with aws:', 256);
  return {
    ...WEB,
    app: { ...WEB.app, name, domains: domains as string[], env, workerPrivateMiB: num('workerPrivateMiB', 8, 4096), requestTimeoutSec: num('requestTimeoutSec', 5, 3600) },
    tags,
  };
}

export function parseRecipe(text: string, fileName: string): Recipe {
  let doc: unknown;
  try {
    doc = /\.json$/i.test(fileName) ? JSON.parse(text) : parseYaml(text, { version: '1.1' });
  } catch (e) {
    throw new InputError('--recipe', fileName, `is not valid ${/\.json$/i.test(fileName) ? 'JSON' : 'YAML'} (${(e as Error).message.split('\n')[0]})`, 'fix the file syntax');
  }
  return recipeFrom(doc);
}
