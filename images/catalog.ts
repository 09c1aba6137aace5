/** The tier catalog: built-in tiers plus a user's own, read from a JSON or YAML file and validated. */
import { parse as parseYaml } from 'yaml';
import { InputError } from './errors.ts';
import { BUILTIN_TIERS, type Tier } from './tiers.ts';

const NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

type Rule = { kind: 'int' | 'num'; min: number; max: number; optional?: boolean };
const TIER_NUMBERS: Record<string, Rule> = {
  ramMiB: { kind: 'int', min: 256, max: 1_048_576 },
  vcpus: { kind: 'int', min: 1, max: 192 },
  rootVolumeGiB: { kind: 'int', min: 8, max: 16_384 },
  burstBaselineShare: { kind: 'num', min: 0.01, max: 1, optional: true },
};
const SLO_NUMBERS: Record<string, Rule> = {
  p95Ms: { kind: 'num', min: 1, max: 60_000 },
  p99Ms: { kind: 'num', min: 1, max: 60_000 },
  errorRatePct: { kind: 'num', min: 0, max: 100 },
  memoryCeilingPct: { kind: 'num', min: 50, max: 95 },
  targetRps: { kind: 'num', min: 1, max: 1_000_000 },
};
const TIER_KEYS = new Set(['name', 'instanceTypes', 'slo', ...Object.keys(TIER_NUMBERS)]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkKeys(obj: Record<string, unknown>, allowed: Set<string>, where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) {
      throw new InputError(
        `${where}.${key}`,
        obj[key],
        `unknown key; allowed keys are ${[...allowed].join(', ')}`,
        'remove it or fix its spelling',
      );
    }
  }
}

function checkNumber(obj: Record<string, unknown>, key: string, rule: Rule, where: string): void {
  const v = obj[key];
  if (v === undefined && rule.optional) return;
  const ok = typeof v === 'number' && Number.isFinite(v) && (rule.kind === 'num' || Number.isInteger(v));
  if (!ok || (v as number) < rule.min || (v as number) > rule.max) {
    const what = rule.kind === 'int' ? 'a whole number' : 'a number';
    throw new InputError(`${where}.${key}`, v ?? null, `must be ${what} from ${rule.min} to ${rule.max}`, `set ${key} within that range`);
  }
}

function checkInstanceTypes(v: unknown, where: string): Tier['instanceTypes'] {
  if (!isObject(v))
    throw new InputError(
      where,
      v ?? null,
      'must be an object { x86_64: [..], arm64: [..] }',
      'list the EC2 instance types per architecture',
    );
  checkKeys(v, new Set(['x86_64', 'arm64']), where);
  const out = { x86_64: [] as string[], arm64: [] as string[] };
  for (const arch of ['x86_64', 'arm64'] as const) {
    const list = v[arch] ?? [];
    if (!Array.isArray(list) || list.some((t) => typeof t !== 'string' || !INSTANCE_TYPE.test(t))) {
      throw new InputError(
        `${where}.${arch}`,
        list,
        'must be a list of EC2 instance type names like "t3.nano"',
        'fix the instance type names',
      );
    }
    out[arch] = list as string[];
  }
  if (out.x86_64.length + out.arm64.length === 0) {
    throw new InputError(where, v, 'needs at least one instance type', 'add one under x86_64 or arm64');
  }
  return out;
}

/** Validates one tier object (from a user file); throws InputError naming the field. */
export function validateTier(raw: unknown, where: string): Tier {
  if (!isObject(raw)) throw new InputError(where, raw ?? null, 'must be an object', 'write the tier as a mapping of its fields');
  checkKeys(raw, TIER_KEYS, where);
  if (typeof raw.name !== 'string' || !NAME.test(raw.name)) {
    throw new InputError(
      `${where}.name`,
      raw.name ?? null,
      'must be 1-31 characters of a-z, 0-9 and -, starting with a letter or digit',
      'rename the tier',
    );
  }
  const at = `tier ${raw.name}`;
  for (const [key, rule] of Object.entries(TIER_NUMBERS)) checkNumber(raw, key, rule, at);
  if (!isObject(raw.slo))
    throw new InputError(
      `${at}.slo`,
      raw.slo ?? null,
      `must be an object with ${Object.keys(SLO_NUMBERS).join(', ')}`,
      'add the SLO targets',
    );
  checkKeys(raw.slo, new Set(Object.keys(SLO_NUMBERS)), `${at}.slo`);
  for (const [key, rule] of Object.entries(SLO_NUMBERS)) checkNumber(raw.slo, key, rule, `${at}.slo`);
  const slo = raw.slo as unknown as Tier['slo'];
  if (slo.p99Ms < slo.p95Ms) {
    throw new InputError(`${at}.slo.p99Ms`, slo.p99Ms, `must be at least p95Ms (${slo.p95Ms})`, 'raise p99Ms or lower p95Ms');
  }
  return {
    name: raw.name,
    ramMiB: raw.ramMiB as number,
    vcpus: raw.vcpus as number,
    instanceTypes: checkInstanceTypes(raw.instanceTypes, `${at}.instanceTypes`),
    rootVolumeGiB: raw.rootVolumeGiB as number,
    ...(raw.burstBaselineShare === undefined ? {} : { burstBaselineShare: raw.burstBaselineShare as number }),
    slo: { ...slo },
  };
}

/** Parses a catalog file's text (JSON or YAML): `{ tiers: [...] }` or a bare list. */
export function parseCatalog(text: string, fileName: string): Tier[] {
  let doc: unknown;
  try {
    doc = /\.json$/i.test(fileName) ? JSON.parse(text) : parseYaml(text, { version: '1.2' });
  } catch (e) {
    throw new InputError(
      '--catalog',
      fileName,
      `is not valid ${/\.json$/i.test(fileName) ? 'JSON' : 'YAML'} (${(e as Error).message.split('\n')[0]})`,
      'fix the file syntax',
    );
  }
  const list = Array.isArray(doc) ? doc : isObject(doc) ? doc.tiers : undefined;
  if (isObject(doc)) checkKeys(doc, new Set(['tiers']), 'catalog');
  if (!Array.isArray(list) || list.length === 0) {
    throw new InputError(
      'catalog.tiers',
      list ?? null,
      'must be a non-empty list of tiers',
      'write `tiers:` followed by at least one tier',
    );
  }
  return list.map((t, i) => validateTier(t, `catalog.tiers[${i}]`));
}

/** Built-in tiers followed by the user's; a name may appear only once. */
export function buildCatalog(extra: Tier[] = []): Tier[] {
  const all = [...BUILTIN_TIERS, ...extra];
  const seen = new Set<string>();
  for (const t of all) {
    if (seen.has(t.name)) {
      throw new InputError(
        'tier.name',
        t.name,
        `is already defined (tier names are unique; built-ins: ${BUILTIN_TIERS.map((b) => b.name).join(', ')})`,
        'give your tier another name',
      );
    }
    seen.add(t.name);
  }
  return all;
}

export function findTier(catalog: Tier[], name: string): Tier {
  const tier = catalog.find((t) => t.name === name);
  if (!tier)
    throw new InputError(
      '--tier',
      name,
      `is not a known tier; known: ${catalog.map((t) => t.name).join(', ')}`,
      'pick one of those or add yours with --catalog FILE',
    );
  return tier;
}
