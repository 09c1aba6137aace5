/** `kiln launch --target local|aws --image REF [--tier T] [--id NAME] [--cpus SET] [--burst-baseline] [--json]` -> host JSON. */
import { randomBytes } from 'node:crypto';
import { InputError } from '../images/errors.ts';
import { findTier } from '../images/catalog.ts';
import { loadCatalog, output, parse, progress, selectTarget, TARGET_FLAGS, TARGET_HELP, type Options } from './args.ts';

export const help = `kiln launch --target local|aws --image REF [--tier T] [--id NAME] [--cpus SET] [--burst-baseline] [--secrets FILE] [--ready-timeout-sec N] [--beside ID] [--vm] [--json]
  Boots a copy of a baked image sized like its tier and prints the host description (address, port, user,
  key path, host key, …) that kiln verify --host reads; text and --json both print it as JSON on stdout.
  --tier defaults to the image's own tier (another tier is refused). --id names every resource of the box
  (default: random); kiln destroy --id takes it down. local only: --cpus pins the box (cpuset syntax),
  --burst-baseline holds it at its burstable baseline CPU share. --secrets FILE (local): a JSON object of secret
  names to values (e.g. DATABASE_URL for an image without PostgreSQL) the box reads at first boot, read-only.
  --beside ID: the box launched before as ID is measured against this one (kiln verify --baseline-host): on aws
  this box gets no verifier of its own and admits ID's verifier instead, so one generator reaches both.
  --vm (local): boot the image as a whole machine under qemu (its own kernel, exactly the tier's RAM and vCPUs,
  root on NVMe; KVM when it works here, else software emulation, where the host JSON says latency is not judged).
  Exit codes: 0 the box is up, 1 it did not come up, 2 bad input.
${TARGET_HELP}`;

const ID = /^[a-z0-9]{1,12}$/;

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = {
  ...TARGET_FLAGS,
  image: { type: 'string' },
  tier: { type: 'string' },
  id: { type: 'string' },
  cpus: { type: 'string' },
  'burst-baseline': { type: 'boolean' },
  vm: { type: 'boolean' },
  'ready-timeout-sec': { type: 'string' },
  secrets: { type: 'string' },
  beside: { type: 'string' },
};

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  const catalog = loadCatalog(v.catalog as string | undefined);
  if (typeof v.image !== 'string') throw new InputError('--image', null, 'is required', 'pass the ref kiln bake printed');
  if (v.id !== undefined && !ID.test(v.id as string))
    throw new InputError('--id', v.id, "1-12 of a-z and 0-9 (it names the box's netns, veth, cgroups)", 'pick a shorter id');
  if (v.beside !== undefined && !ID.test(v.beside as string))
    throw new InputError(
      '--beside',
      v.beside,
      'the id of a box launched before (1-12 of a-z and 0-9)',
      'pass the --id of the box this one is measured against',
    );
  if (v.cpus !== undefined && !/^\d+([-,]\d+)*$/.test(v.cpus as string))
    throw new InputError('--cpus', v.cpus, 'a cpuset list like 1 or 0-1 or 0,2', 'fix the CPU list');
  const timeout = v['ready-timeout-sec'] === undefined ? undefined : Number(v['ready-timeout-sec']);
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 10 && timeout <= 3600)) {
    throw new InputError('--ready-timeout-sec', v['ready-timeout-sec'], 'whole seconds from 10 to 3600', 'pass e.g. 240');
  }
  const asked = typeof v.tier === 'string' ? findTier(catalog, v.tier) : undefined;
  const { name, target } = selectTarget(v);
  if (v.vm && name !== 'local') throw new InputError('--vm', true, 'applies to --target local only', 'drop --vm');
  const image = await target.image(v.image).catch((e: unknown) => {
    // The target names its own field; on the command line it is --image.
    throw e instanceof InputError && e.field === 'image' ? new InputError('--image', e.value, e.allowed, e.fix) : e;
  });
  if (asked && asked.name !== image.tier) {
    throw new InputError('--tier', asked.name, `the image's own tier (${image.tier})`, `launch it as ${image.tier}, or bake ${asked.name}`);
  }
  const tier = asked ?? findTier(catalog, image.tier);
  const id = (v.id as string | undefined) ?? `k${randomBytes(4).toString('hex')}`;
  progress(`launching ${image.ref} as ${tier.name} on ${name} (id ${id})`);
  const host = await target.launch({
    ref: image.ref,
    tier,
    id,
    cpus: v.cpus as string | undefined,
    burstBaseline: Boolean(v['burst-baseline']),
    readyTimeoutSec: timeout,
    secretsFile: v.secrets as string | undefined,
    beside: v.beside as string | undefined,
    vm: Boolean(v.vm) || undefined,
    log: progress,
  });
  progress(`box ${id} is up at ${host.address}:${host.port}; take it down with kiln destroy --target ${name} --id ${id}`);
  const doc = { ...host, id };
  output(v, doc, JSON.stringify(doc));
  return 0;
}
