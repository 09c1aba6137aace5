/** Argument parsing shared by the commands: unknown flags are bad input (exit 2), never ignored. */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { buildCatalog, findTier, parseCatalog } from '../images/catalog.ts';
import { DISTROS, type DistroProfile } from '../images/distro.ts';
import { InputError } from '../images/errors.ts';
import { parseRecipe } from '../images/recipe-file.ts';
import type { Tier } from '../images/tiers.ts';
import { WEB, type Recipe } from '../images/web.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

export const COMMON: Options = {
  json: { type: 'boolean', default: false },
  catalog: { type: 'string' },
  recipe: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
};

export function parse(argv: string[], options: Options) {
  try {
    return parseArgs({ args: argv, options: { ...COMMON, ...options }, allowPositionals: false, strict: true }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw new InputError('arguments', argv.join(' '), (e as Error).message.replace(/\.$/, ''), 'see --help');
  }
}

function readInput(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(flag, file, `cannot be read (${(e as NodeJS.ErrnoException).code})`, 'pass an existing JSON or YAML file');
  }
}

export const loadCatalog = (file: string | undefined): Tier[] =>
  file ? buildCatalog(parseCatalog(readInput('--catalog', file), file)) : buildCatalog();

export const loadRecipe = (file: string | undefined): Recipe =>
  file ? parseRecipe(readInput('--recipe', file), file) : WEB;

/** `--tier T` or `--all` (exactly one). */
export function selectTiers(v: Record<string, unknown>, catalog: Tier[]): Tier[] {
  if (v.all && v.tier) throw new InputError('--tier/--all', `${v.tier} and --all`, 'are exclusive', 'pass one of them');
  if (v.all) return catalog;
  if (typeof v.tier !== 'string') throw new InputError('--tier', null, `is required (or --all); tiers: ${catalog.map((t) => t.name).join(', ')}`, 'pass --tier NAME');
  return [findTier(catalog, v.tier)];
}

export function selectDistros(v: Record<string, unknown>, fallback: DistroProfile[]): DistroProfile[] {
  if (v.distro === undefined) return fallback;
  const d = DISTROS[v.distro as DistroProfile['id']];
  if (!d) throw new InputError('--distro', v.distro, `must be one of ${Object.keys(DISTROS).join(', ')}`, 'pick one of those');
  return [d];
}

export const progress = (msg: string) => process.stderr.write(`kiln: ${msg}\n`);
