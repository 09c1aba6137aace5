/** Argument parsing shared by the commands: unknown flags are bad input (exit 2), never ignored. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { buildCatalog, findTier, parseCatalog } from '../images/catalog.ts';
import { DISTROS, type DistroProfile } from '../images/distro.ts';
import { InputError, terminalSafe } from '../images/errors.ts';
import { readInputText } from '../images/input-file.ts';
import { parseRecipe } from '../images/recipe-file.ts';
import type { Tier } from '../images/tiers.ts';
import { WEB, type Recipe } from '../images/web.ts';
import { TARGET_NAMES, targetEntry, targetFor, type KilnTarget, type TargetOptions } from '../targets/registry.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

export const COMMON: Options = {
  json: { type: 'boolean', default: false },
  catalog: { type: 'string' },
  recipe: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
};

export function parse(argv: string[], options: Options) {
  try {
    return parseArgs({ args: argv, options: { ...COMMON, ...options }, allowPositionals: false, strict: true }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (e) {
    throw new InputError('arguments', argv.join(' '), (e as Error).message.replace(/\.$/, ''), 'see --help');
  }
}

const readInput = (flag: string, file: string): string =>
  readInputText(flag, file, 'JSON or YAML file', 'pass an existing JSON or YAML file');

export const loadCatalog = (file: string | undefined): Tier[] =>
  file ? buildCatalog(parseCatalog(readInput('--catalog', file), file)) : buildCatalog();

export const loadRecipe = (file: string | undefined): Recipe => (file ? parseRecipe(readInput('--recipe', file), file) : WEB);

/** `--tier T` or `--all` (exactly one). */
export function selectTiers(v: Record<string, unknown>, catalog: Tier[]): Tier[] {
  if (v.all && v.tier) throw new InputError('--tier/--all', `${v.tier} and --all`, 'are exclusive', 'pass one of them');
  if (v.all) return catalog;
  if (typeof v.tier !== 'string')
    throw new InputError('--tier', null, `is required (or --all); tiers: ${catalog.map((t) => t.name).join(', ')}`, 'pass --tier NAME');
  return [findTier(catalog, v.tier)];
}

export function selectDistros(v: Record<string, unknown>, fallback: DistroProfile[]): DistroProfile[] {
  if (v.distro === undefined) return fallback;
  const d = typeof v.distro === 'string' && Object.hasOwn(DISTROS, v.distro) ? DISTROS[v.distro as DistroProfile['id']] : undefined;
  if (!d) throw new InputError('--distro', v.distro, `must be one of ${Object.keys(DISTROS).join(', ')}`, 'pick one of those');
  return [d];
}

// Progress names user values (an --out path, a ref): no control reaches the terminal raw.
export const progress = (msg: string) => process.stderr.write(`kiln: ${terminalSafe(msg)}\n`);

// --- Target commands (bake, launch, verify, promote, promoted, destroy, janitor, deploy, revoke) ---

/** Every target's flags, mapped to the registry's option keys; a flag meant for another target is refused. */
const TARGET_FLAG_KEYS: Record<string, keyof TargetOptions> = {
  'state-dir': 'stateDir',
  'cache-dir': 'cacheDir',
  region: 'region',
  subnet: 'subnetId',
  vpc: 'vpcId',
  'verifier-cidr': 'verifierCidr',
  'work-dir': 'workDir',
  'ttl-hours': 'ttlHours',
  'ssm-prefix': 'ssmPrefix',
  tag: 'tags',
};

export const TARGET_FLAGS: Options = {
  target: { type: 'string' },
  ...Object.fromEntries(
    Object.keys(TARGET_FLAG_KEYS).map((f) => [f, f === 'tag' ? { type: 'string', multiple: true } : { type: 'string' }]),
  ),
};

/** `--distro` for the commands that bake (bake, nightly); the others boot and verify an image as its own distro. */
export const BAKE_DISTRO_FLAG: Options = { distro: { type: 'string' } };
export const BAKE_DISTRO_HELP = `  --distro D: the release to bake. local: debian13 (default: Debian 13 trixie, Python 3.13) or debian12
    (bookworm, Python 3.11); aws: ubuntu2404 only.`;

export const TARGET_HELP = `  Target flags: --target local|aws
    local: --state-dir DIR (images, boxes, registry; default <repo>/.kiln/state or KILN_STATE_DIR)
           --cache-dir DIR (debootstrap base; default <repo>/.kiln/cache or KILN_CACHE_DIR)
    aws:   --region R --subnet subnet-… --vpc vpc-… --verifier-cidr A.B.C.D/32 --work-dir DIR
           --ttl-hours N (default 24) --ssm-prefix /kiln --tag KEY=VALUE (repeatable)
           or the env vars KILN_AWS_REGION (else AWS_REGION), KILN_AWS_SUBNET_ID, KILN_AWS_VPC_ID,
           KILN_AWS_VERIFIER_CIDR, KILN_AWS_WORK_DIR, KILN_AWS_TTL_HOURS, KILN_AWS_SSM_PREFIX; credentials
           from the usual AWS sources (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, OIDC role)`;

function parseTags(values: string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of values) {
    const eq = t.indexOf('=');
    if (eq < 1) throw new InputError('--tag', t, 'KEY=VALUE', 'write --tag team=web');
    tags[t.slice(0, eq)] = t.slice(eq + 1);
  }
  return tags;
}

/** The target options in `v` (parsed with TARGET_FLAGS); refuses a flag the chosen target does not read. */
export function targetOptions(v: Record<string, unknown>, name: string): TargetOptions {
  const entry = targetEntry(name);
  const opts: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(TARGET_FLAG_KEYS)) {
    if (v[flag] === undefined) continue;
    if (!entry.options.includes(key)) {
      const owners = TARGET_NAMES.filter((n) => targetEntry(n).options.includes(key)).join(', ');
      throw new InputError(`--${flag}`, v[flag], `applies to --target ${owners} only, not ${name}`, `drop --${flag}`);
    }
    opts[key] = key === 'tags' ? parseTags(v[flag] as string[]) : v[flag];
  }
  // Only bake and nightly declare --distro (the others take the image's own); a target with one distro just checks it.
  if (v.distro !== undefined) {
    if (!entry.distros.includes(v.distro as DistroProfile['id'])) {
      throw new InputError(
        '--distro',
        v.distro,
        `one of ${entry.distros.join(', ')} for --target ${name}`,
        `drop --distro (default ${entry.distros[0]}) or pick one of those`,
      );
    }
    if (entry.options.includes('distro')) opts.distro = v.distro;
  }
  return opts as TargetOptions;
}

/** `--target` (required) -> the target, built through the registry. */
export function selectTarget(v: Record<string, unknown>): { name: string; target: KilnTarget } {
  if (typeof v.target !== 'string')
    throw new InputError('--target', null, `is required; targets: ${TARGET_NAMES.join(', ')}`, 'pass --target local or --target aws');
  return { name: v.target, target: targetFor(v.target, targetOptions(v, v.target)) };
}

/** One tier by name (required). */
export function requireTier(v: Record<string, unknown>, catalog: Tier[]): Tier {
  if (typeof v.tier !== 'string')
    throw new InputError('--tier', null, `is required; tiers: ${catalog.map((t) => t.name).join(', ')}`, 'pass --tier NAME');
  return findTier(catalog, v.tier);
}

/** `--json`: exactly one document on stdout; otherwise the human line. */
export function output(v: Record<string, unknown>, doc: unknown, human: string): void {
  process.stdout.write(v.json ? `${JSON.stringify(doc, null, 2)}\n` : `${human}\n`);
}
