/**
 * cloud-init user data and the provisioning scripts, read by the real tools: `cloud-init schema`, PyYAML
 * (cloud-init's own YAML reader) for the top-level key check the schema skips, the 16 KB EC2 limit,
 * `bash -n` + shellcheck on the shell scripts, python3's compiler on the first-boot script.
 */
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { USER_DATA_MAX_BYTES } from '../../images/cloud-init/user-data.ts';
import { outPath } from '../bundle/write-bundle.ts';
import type { Finding, ValidateContext, Validator } from './types.ts';

export const CLOUD_CONFIG_SCHEMA = '/usr/lib/python3/dist-packages/cloudinit/config/schemas/schema-cloud-config-v1.json';
/** Keys cloud-init's merger reads that the schema does not describe. */
const EXTRA_KEYS = ['merge_how', 'merge_type'];

interface Schema {
  $defs: Record<string, { properties?: Record<string, unknown> }>;
  allOf: { $ref: string }[];
}

/** Every top-level key the schema knows: the properties of each module definition it combines. */
export async function knownTopLevelKeys(schemaPath = CLOUD_CONFIG_SCHEMA): Promise<Set<string>> {
  const schema = JSON.parse(await readFile(schemaPath, 'utf8')) as Schema;
  const keys = new Set(EXTRA_KEYS);
  for (const { $ref } of schema.allOf) {
    for (const k of Object.keys(schema.$defs[$ref.replace('#/$defs/', '')]?.properties ?? {})) keys.add(k);
  }
  if (keys.size < 20) throw new Error(`${schemaPath} lists only ${keys.size} keys: not the cloud-config schema kiln expects`);
  return keys;
}

// PyYAML, as cloud-init itself loads user data: the keys it sees are the keys that count.
const PY_KEYS =
  'import json,sys,yaml\nd=yaml.safe_load(open(sys.argv[1],encoding="utf-8"))\nprint(json.dumps(sorted(d) if isinstance(d,dict) else None))';

const text = (r: { stdout?: unknown; stderr?: unknown }) =>
  [r.stdout, r.stderr]
    .map((x) => String(x ?? '').trim())
    .filter(Boolean)
    .join('\n');

/** All checks for one user-data file; exported for tests that feed it broken files. */
export async function checkUserData(file: string, label: string): Promise<Finding[]> {
  const raw = await readFile(file);
  const findings: Finding[] = [];
  findings.push({
    tool: 'user-data size',
    file: label,
    ok: raw.length <= USER_DATA_MAX_BYTES,
    output: `${raw.length} bytes (EC2 limit ${USER_DATA_MAX_BYTES} bytes raw, before base64)`,
  });
  const header = raw.subarray(0, 14).toString('utf8');
  findings.push({
    tool: 'user-data header',
    file: label,
    ok: header === '#cloud-config\n',
    output:
      header === '#cloud-config\n' ? '#cloud-config' : `first line must be "#cloud-config", got ${JSON.stringify(header.split('\n')[0])}`,
  });
  // Two Python start-ups: run them side by side.
  const [schema, keys] = await Promise.all([
    execa('cloud-init', ['schema', '--config-file', file], { reject: false, all: true }),
    execa('python3', ['-c', PY_KEYS, file], { reject: false }),
  ]);
  findings.push({ tool: 'cloud-init schema', file: label, ok: schema.exitCode === 0, output: text(schema) || `exit ${schema.exitCode}` });
  if (keys.exitCode !== 0) {
    findings.push({ tool: 'cloud-config keys', file: label, ok: false, output: `PyYAML could not load it: ${text(keys)}` });
    return findings;
  }
  const found = JSON.parse(keys.stdout) as string[] | null;
  const known = await knownTopLevelKeys();
  const unknown = (found ?? []).filter((k) => !known.has(k));
  findings.push({
    tool: 'cloud-config keys',
    file: label,
    ok: found !== null && unknown.length === 0,
    output:
      found === null
        ? 'the document is not a mapping'
        : unknown.length
          ? `unknown top-level key(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}: cloud-init ignores them silently (schema ${CLOUD_CONFIG_SCHEMA})`
          : `${found.length} keys, all known: ${found.join(', ')}`,
  });
  return findings;
}

const cloudInitValidator: Validator = {
  name: 'cloud-init',
  roles: ['cloud-init'],
  needs: ['cloud-init', 'python3'],
  run: async (ctx: ValidateContext) => {
    const files = ctx.rendered.files.filter((f) => f.role === 'cloud-init');
    return (await Promise.all(files.map((f) => checkUserData(outPath(ctx.dir, f.path), f.path)))).flat();
  },
};

/** `bash -n`, then shellcheck (all severities) on one script. */
export async function checkShell(file: string, label: string): Promise<Finding[]> {
  const [syntax, lint] = await Promise.all([
    execa('bash', ['--norc', '-n', file], { reject: false, all: true, stdin: 'ignore' }),
    execa('shellcheck', ['--shell=bash', '--external-sources', file], { reject: false, all: true }),
  ]);
  return [
    { tool: 'bash -n', file: label, ok: syntax.exitCode === 0, output: text(syntax) || 'syntax ok' },
    { tool: 'shellcheck', file: label, ok: lint.exitCode === 0, output: text(lint) || 'clean' },
  ];
}

// Compile without writing __pycache__ into the bundle.
const PY_COMPILE = 'import sys\ncompile(open(sys.argv[1],encoding="utf-8").read(), sys.argv[1], "exec")';

const scriptsValidator: Validator = {
  name: 'provision-scripts',
  roles: ['provision'],
  needs: ['bash', 'shellcheck', 'python3'],
  run: async (ctx: ValidateContext) => {
    const findings: Finding[] = [];
    for (const f of ctx.rendered.files.filter((x) => x.role === 'provision')) {
      const file = outPath(ctx.dir, f.path);
      if (f.path.endsWith('.sh')) findings.push(...(await checkShell(file, f.path)));
      else if (f.path.endsWith('.py')) {
        const r = await execa('python3', ['-c', PY_COMPILE, file], { reject: false, all: true });
        findings.push({ tool: 'python3 compile', file: f.path, ok: r.exitCode === 0, output: text(r) || 'compiles' });
      } else if (f.path.endsWith('.env')) {
        // profile.env is sourced by bash: it must parse and define nothing but KILN_ variables.
        const r = await execa('bash', ['--norc', '-c', 'set -eu; . "$1"; compgen -v | grep -c "^KILN_"', 'sh', file], {
          reject: false,
          all: true,
          stdin: 'ignore',
        });
        findings.push({ tool: 'bash source', file: f.path, ok: r.exitCode === 0, output: text(r) });
      }
    }
    return findings;
  },
};

export const validators: Validator[] = [cloudInitValidator, scriptsValidator];
