/** Packer input variables: declared in the template, valued only in the JSON var file, so no value is ever HCL source. */
import { InputError } from '../errors.ts';
import type { PackerInput } from './input.ts';
import type { PackerLayer } from './targets.ts';

export interface VarSpec {
  name: string;
  type: 'string' | 'map(string)';
  description: string;
  /** RE2 and JS compatible; checked here (exit 2) and again by Packer's own validation block. */
  pattern?: string;
  /** Optional variables carry a default in the template. */
  default?: string;
  /** Known only when baking (a bake id is not): absent from the rendered var file, the bake supplies it. */
  bakeTime?: boolean;
  /** For a bakeTime variable: a value of the right shape that validation passes with `-var` (it names nothing real). */
  placeholder?: string;
  /** For a bakeTime variable the user supplies: the flag (or env var) that sets it, named in errors. */
  flag?: { name: string; how: string };
}

export const VARIABLES: readonly VarSpec[] = [
  { name: 'region', type: 'string', description: 'AWS region the image is baked in', pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]+$' },
  { name: 'tier', type: 'string', description: 'kiln hardware tier', pattern: '^[a-z0-9][a-z0-9-]{0,30}$' },
  { name: 'recipe', type: 'string', description: 'kiln image recipe', pattern: '^[a-z0-9][a-z0-9-]{0,30}$' },
  { name: 'image_hash', type: 'string', description: 'sha256 of the rendered image files', pattern: '^[0-9a-f]{64}$' },
  { name: 'instance_type', type: 'string', description: 'EC2 type of the build instance', pattern: '^[a-z][a-z0-9-]*[.][a-z0-9]+$' },
  {
    name: 'bake_id',
    type: 'string',
    description: 'unique id of this bake (AMI name suffix, lineage tag)',
    pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,62}$',
  },
  { name: 'ttl', type: 'string', description: 'how long an unpromoted image may live, for the janitor', pattern: '^[0-9]{1,5}h$' },
  { name: 'deprecate_after', type: 'string', description: 'AMI deprecation delay (Packer >= 1.10 only)', pattern: '^[0-9]{1,6}h$' },
  {
    name: 'subnet_id',
    type: 'string',
    description: 'build subnet; empty = default VPC',
    pattern: '^(subnet-[0-9a-f]{8,17})?$',
    default: '',
  },
  { name: 'vpc_id', type: 'string', description: 'build VPC; empty = default VPC', pattern: '^(vpc-[0-9a-f]{8,17})?$', default: '' },
  { name: 'tags', type: 'map(string)', description: 'user tags on everything Packer creates (kiln lineage tags win)' },
  {
    name: 'ssh_source_cidr',
    type: 'string',
    description: "the only source admitted to the build instance's SSH: the machine running Packer",
    pattern: '^([0-9]{1,3}\\.){3}[0-9]{1,3}/([89]|[12][0-9]|3[0-2])$',
    bakeTime: true,
    placeholder: '192.0.2.1/32',
    flag: { name: '--verifier-cidr', how: "pass --verifier-cidr A.B.C.D/32 (this machine's public address) or set KILN_AWS_VERIFIER_CIDR" },
  },
];

/** A bundle with a team's app: its name (from the recipe) and its build's sha256 (manifest.json app.sha256, known once the payload is written). */
export const APP_VARIABLES: readonly VarSpec[] = [
  { name: 'app_name', type: 'string', description: "the team's app in the image (recipe app.name)", pattern: '^[a-z][a-z0-9_]{0,30}$' },
  {
    name: 'app_sha256',
    type: 'string',
    description: 'sha256 of the app build (bundle manifest.json app.sha256)',
    pattern: '^[0-9a-f]{64}$',
    bakeTime: true,
    placeholder: '0'.repeat(64),
  },
];

/** A release: the promoted base AMI of the tier it is built on. */
export const RELEASE_VARIABLES: readonly VarSpec[] = [
  {
    name: 'source_ami',
    type: 'string',
    description: "the tier's promoted base AMI a release is built on",
    pattern: '^ami-[0-9a-f]{8,17}$',
    bakeTime: true,
    placeholder: 'ami-00000000',
  },
];

/** The variables one template declares. */
export const variablesOf = (app: boolean, layer: PackerLayer): VarSpec[] => [
  ...VARIABLES,
  ...(app ? APP_VARIABLES : []),
  ...(layer === 'app' ? RELEASE_VARIABLES : []),
];

/** Every variable any kiln template declares (a bake's overrides are checked against these). */
export const ALL_VARIABLES: readonly VarSpec[] = [...VARIABLES, ...APP_VARIABLES, ...RELEASE_VARIABLES];

/** What a bake supplies at bake time; rendering uses DEFAULT_BAKE so the bundle stays deterministic. */
export interface BakeOptions {
  region: string;
  bakeId: string;
  ttlHours: number;
  deprecateAfterDays: number;
  tags: Record<string, string>;
  subnetId: string;
  vpcId: string;
  /** The app build's sha256 (bundles with an app; bake time only). */
  appSha256?: string;
  /** A release's base AMI (bake time only). */
  sourceAmi?: string;
  /** The CIDR admitted to the build instance's SSH (bake time only). */
  sshSourceCidr?: string;
}

export const DEFAULT_BAKE: BakeOptions = {
  region: 'us-east-1',
  // A bake overrides it (`-var bake_id=...`); the render itself carries no run id.
  bakeId: 'unbaked',
  ttlHours: 72,
  deprecateAfterDays: 365,
  tags: {},
  subnetId: '',
  vpcId: '',
};

// AWS allows 50 tags per resource: kiln's lineage takes 7 (10 with an app and a base AMI), a promotion adds 4.
const MAX_TAGS = 50;
const PROMOTION_TAGS = 4;
const lineageTags = (app: boolean) => (app ? 10 : 7);
const RESERVED_TAG_PREFIX = /^(aws|kiln):/i;

/**
 * The amazon builder runs Go templates over tag keys and values at build time, several times over
 * (measured with 1.6.6 against moto: `{{"{{"}}` escaped twice still became the source AMI id), so no
 * escape survives: `{{` in a tag is refused.
 */
export const GO_TEMPLATE = /\{\{/;

function checkTags(tags: Record<string, unknown>, app: boolean): Record<string, string> {
  const entries = Object.entries(tags);
  const max = MAX_TAGS - lineageTags(app) - PROMOTION_TAGS;
  if (entries.length > max) {
    throw new InputError(
      'recipe.tags',
      `${entries.length} tags`,
      `at most ${max} user tags (AWS allows ${MAX_TAGS} per resource; kiln's lineage and promotion take the rest)`,
      'drop some tags',
    );
  }
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (k.length < 1 || k.length > 128 || RESERVED_TAG_PREFIX.test(k)) {
      throw new InputError(
        `recipe.tags.${k}`,
        k,
        'keys are 1-128 characters and may not start with aws: or kiln: (reserved)',
        'rename the tag',
      );
    }
    if (typeof v !== 'string' || v.length > 256) {
      throw new InputError(`recipe.tags.${k}`, v ?? null, 'values are strings of at most 256 characters', 'shorten or stringify the value');
    }
    if (GO_TEMPLATE.test(k) || GO_TEMPLATE.test(v)) {
      throw new InputError(
        `recipe.tags.${k}`,
        GO_TEMPLATE.test(k) ? k : v,
        'must not contain "{{" (Packer evaluates it as a Go template at build time)',
        'remove the double brace',
      );
    }
    out[k] = v;
  }
  return out;
}

function checkPattern(spec: VarSpec, value: string, field: string): string {
  if (spec.pattern && !new RegExp(spec.pattern).test(value)) {
    throw new InputError(field, value, `must match ${spec.pattern} (${spec.description})`, `fix ${field}`);
  }
  return value;
}

/**
 * The var file's content for one template; throws InputError (exit 2) naming the bad field. A bake-time
 * variable the options do not carry is left out (the render's var file); the bake checks nothing is missing.
 */
export function packerVars(input: PackerInput, bake: BakeOptions, layer: PackerLayer = 'full'): Record<string, unknown> {
  const instanceType = input.tier.instanceTypes[input.arch][0];
  if (!instanceType) {
    throw new InputError(
      `tier ${input.tier.name}.instanceTypes.${input.arch}`,
      [],
      'needs an instance type to bake on this architecture',
      `add one, or bake for the other architecture`,
    );
  }
  const raw: Record<string, string> = {
    region: bake.region,
    tier: input.tier.name,
    recipe: input.recipe.name,
    image_hash: input.imageHash,
    instance_type: instanceType,
    bake_id: bake.bakeId,
    ttl: `${bake.ttlHours}h`,
    deprecate_after: `${bake.deprecateAfterDays * 24}h`,
    subnet_id: bake.subnetId,
    vpc_id: bake.vpcId,
  };
  const late: Record<string, string | undefined> = {
    app_name: input.recipe.app.name,
    app_sha256: bake.appSha256,
    source_ami: bake.sourceAmi,
    ssh_source_cidr: bake.sshSourceCidr,
  };
  const fields: Record<string, string> = {
    ttl: 'ttlHours',
    deprecate_after: 'deprecateAfterDays',
    bake_id: 'bakeId',
    subnet_id: 'subnetId',
    vpc_id: 'vpcId',
    app_name: 'recipe.app.name',
    app_sha256: 'appSha256',
    source_ami: 'sourceAmi',
    ssh_source_cidr: '--verifier-cidr',
  };
  const out: Record<string, unknown> = {};
  for (const spec of variablesOf(input.app, layer)) {
    const value = raw[spec.name] ?? late[spec.name];
    if (spec.bakeTime && value === undefined) continue;
    // The bake's own tags win over the recipe's.
    out[spec.name] =
      spec.name === 'tags'
        ? checkTags({ ...input.recipe.tags, ...bake.tags }, input.app)
        : checkPattern(spec, String(value), fields[spec.name] ?? spec.name);
  }
  return out;
}
