/**
 * `kiln bake --target aws`: `packer init` + `packer build` of the rendered template with a JSON var
 * file, progress streamed to stderr, TERM-then-KILL on timeout, and this run's AMIs read from the
 * manifest. Fails fast, before anything is created, when Packer is missing or too old or when no
 * AWS credentials are configured.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../../images/errors.ts';
import { ALL_VARIABLES, variablesOf } from '../../images/packer/vars.ts';
import { MODERN, templatePath, VARS_PATH, type PackerLayer } from '../../images/packer/targets.ts';
import { PACKAGES_FILE } from '../../images/packer/model.ts';
import { atLeast, CREDENTIALS_HINT, credentialSource, MissingPrerequisiteError, parseSemver, probe } from './prereq.ts';
import { parseManifest, runUuids, thisRun, type PackerManifest } from './manifest.ts';
import { runStreamed } from './process.ts';

export const MIN_PACKER: [number, number, number] = [1, 10, 0];
const INSTALL_PACKER =
  "install Packer >= 1.10 from HashiCorp (releases or their apt repository; Debian's `packer` package is 1.6.6), "
  + 'the amazon plugin comes with `packer init` (or `packer plugins install github.com/hashicorp/amazon`)';

export interface Preflight {
  packer?: { path: string; version: string };
  credentials?: string;
  problems: string[];
}

/** Checks tools and credentials without creating or calling anything remote. */
export async function preflight(env: NodeJS.ProcessEnv = process.env): Promise<Preflight> {
  const problems: string[] = [];
  const out: Preflight = { problems };
  const found = await probe('packer', ['version'], env);
  const v = found && parseSemver(found.output);
  if (!found) problems.push(`Packer: not found on PATH; ${INSTALL_PACKER}`);
  else if (!v) problems.push(`Packer: ${found.path} printed no version (${found.output.slice(0, 80)}); ${INSTALL_PACKER}`);
  else {
    out.packer = { path: found.path, version: v.join('.') };
    if (!atLeast(v, MIN_PACKER)) {
      problems.push(
        `Packer: ${found.path} is ${v.join('.')}, too old for builds (no \`packer init\`, no amazon plugin, rejects required_plugins/imds_support/metadata_options; it can only validate the compat template); ${INSTALL_PACKER}`,
      );
    }
  }
  const creds = credentialSource(env);
  if (creds) out.credentials = creds;
  else problems.push(CREDENTIALS_HINT);
  return out;
}

export interface BakeInput {
  tier: string;
  /** Directory `kiln render` wrote (holds packer/image.pkr.hcl and packer/image.pkrvars.json). */
  bundleDir: string;
  /** Per-bake scratch directory: var file, Packer cache and TMPDIR, manifest. */
  workDir: string;
  bakeId: string;
  region: string;
  ttlHours: number;
  /** More var overrides (subnet_id, vpc_id, tags, a release's source_ami): checked against the template's declared variables. */
  vars?: Record<string, unknown>;
  /** `app`: a release on the base AMI named by vars.source_ami (the bundle's packer/release/ template); default `full`. */
  layer?: PackerLayer;
  timeoutSec?: number;
  graceSec?: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface BakeResult {
  bakeId: string;
  packerRunUuid: string;
  amis: Record<string, string>;
  amiId: string;
  manifestPath: string;
  varFile: string;
  /** Installed packages of the built image, name -> version (the template downloads dpkg-query's list). */
  packages: Record<string, string>;
}

/** `dpkg-query -W` output (name TAB version per line); an architecture suffix stays part of the name. */
export function parsePackages(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const [name, version] = line.split('\t');
    if (name && version) out[name] = version.trim();
  }
  return out;
}

/** The bundle's var file with this bake's values; every value checked against the template's own patterns. */
export function bakeVars(
  input: Pick<BakeInput, 'bundleDir' | 'bakeId' | 'region' | 'ttlHours' | 'vars' | 'tier' | 'layer'>,
): Record<string, unknown> {
  const path = join(input.bundleDir, VARS_PATH);
  if (!existsSync(path))
    throw new InputError('--bundle', input.bundleDir, `a kiln render output with ${VARS_PATH}`, 'run kiln render --tier T --out DIR first');
  const base = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  if (base.tier !== input.tier)
    throw new InputError('--tier', input.tier, `the bundle's tier (${String(base.tier)})`, 'render the tier you bake');
  const vars = { ...base, ...input.vars, bake_id: input.bakeId, region: input.region, ttl: `${input.ttlHours}h` };
  for (const [name, value] of Object.entries(vars)) {
    const spec = ALL_VARIABLES.find((s) => s.name === name);
    if (!spec) throw new InputError(`vars.${name}`, value, `one of ${ALL_VARIABLES.map((s) => s.name).join(', ')}`, 'drop it');
    if (spec.pattern && (typeof value !== 'string' || !new RegExp(spec.pattern).test(value))) {
      throw new InputError(`vars.${name}`, value, `must match ${spec.pattern} (${spec.description})`, `fix ${name}`);
    }
  }
  // A bundle with an app names it in its var file; what only the bake knows (a release's base AMI, the build's hash) must be there now.
  for (const spec of variablesOf('app_name' in vars, input.layer ?? 'full')) {
    if (spec.default === undefined && !(spec.name in vars) && spec.flag) {
      throw new InputError(spec.flag.name, null, `is required for kiln bake --target aws (${spec.description})`, spec.flag.how);
    }
    if (spec.default === undefined && !(spec.name in vars)) {
      throw new InputError(
        `vars.${spec.name}`,
        null,
        `is required by the ${input.layer === 'app' ? 'release' : 'full'} template (${spec.description})`,
        spec.bakeTime ? 'the bake sets it: bake through kiln bake' : 'render the bundle again with this kiln',
      );
    }
  }
  return vars;
}

const readManifest = (path: string): PackerManifest | null => (existsSync(path) ? parseManifest(readFileSync(path, 'utf8')) : null);

export async function bake(input: BakeInput): Promise<BakeResult> {
  const log = input.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const baseEnv = input.env ?? process.env;
  const pre = await preflight(baseEnv);
  if (pre.problems.length) throw new MissingPrerequisiteError(pre.problems, 'kiln bake --target aws');
  const vars = bakeVars(input);
  const template = resolve(input.bundleDir, templatePath(MODERN, input.layer ?? 'full'));
  if (!existsSync(template)) {
    throw new InputError(
      '--base',
      input.vars?.source_ami ?? null,
      `a bundle with a release template (${templatePath(MODERN, 'app')}): only a bundle with an app has one`,
      'bake with a recipe that has app.source, rendered by this kiln',
    );
  }

  const work = resolve(input.workDir);
  mkdirSync(join(work, 'tmp'), { recursive: true });
  const varFile = join(work, `kiln-${input.bakeId}.pkrvars.json`);
  writeFileSync(varFile, `${JSON.stringify(vars, null, 2)}\n`);
  const env = {
    ...baseEnv,
    CHECKPOINT_DISABLE: '1',
    PACKER_CACHE_DIR: join(work, 'packer_cache'),
    TMPDIR: join(work, 'tmp'),
    PACKER_NO_COLOR: '1',
  };
  const packer = pre.packer!.path;
  const stream = (prefix: string) => (line: string) => log(`${prefix}: ${line}`);
  const step = async (args: string[], timeoutSec: number, what: string) => {
    log(`bake: packer ${args[0]} (${what})`);
    const r = await runStreamed(packer, args, {
      cwd: work,
      env,
      timeoutSec,
      graceSec: input.graceSec ?? 120,
      onLine: stream(`packer ${args[0]}`),
    });
    if (r.timedOut)
      throw new Error(
        `packer ${args[0]} timed out after ${timeoutSec} s; sent TERM, then KILL if it was still running after the grace period (kiln janitor finds what it left)`,
      );
    if (r.exitCode !== 0) throw new Error(`packer ${args[0]} failed (exit ${r.exitCode ?? r.signal}):\n${r.tail.slice(-10).join('\n')}`);
  };

  await step(['init', template], 600, 'installs the amazon plugin the template requires');
  const manifestPath = join(work, 'packer-manifest.json');
  const before = runUuids(readManifest(manifestPath));
  await step(
    ['build', '-color=false', '-timestamp-ui', `-var-file=${varFile}`, template],
    input.timeoutSec ?? 5400,
    `tier ${input.tier}, bake ${input.bakeId}`,
  );
  const after = readManifest(manifestPath);
  if (!after) throw new Error(`packer build succeeded but wrote no ${manifestPath}`);
  const run = thisRun(after, before);
  const amiId = run.amis[input.region];
  if (!amiId) throw new Error(`packer run ${run.runUuid} made no image in ${input.region} (${JSON.stringify(run.amis)})`);
  log(`bake: ${input.region}:${amiId}`);
  const packagesPath = join(work, PACKAGES_FILE);
  const packages = existsSync(packagesPath) ? parsePackages(readFileSync(packagesPath, 'utf8')) : {};
  if (!Object.keys(packages).length) log(`bake: ${PACKAGES_FILE} missing or empty: the verdict will fail closed on the image's lineage`);
  return { bakeId: input.bakeId, packerRunUuid: run.runUuid, amis: run.amis, amiId, manifestPath, varFile, packages };
}
