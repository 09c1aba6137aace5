/** `kiln janitor --target local|aws [--apply | --dry-run] [--json]`: finds (and removes) what crashed runs left. */
import { InputError } from '../images/errors.ts';
import { targetEntry } from '../targets/registry.ts';
import { output, parse, selectTarget, TARGET_FLAGS, TARGET_HELP, type Options } from './args.ts';

export const help = `kiln janitor --target local|aws [--apply | --dry-run] [--json]
  local: REMOVES by default the leftovers of boxes whose owner process is dead (processes, veth, netns,
  cgroups, mounts, stale temp dirs); live boxes and foreign resources are left alone. --dry-run reports only.
  aws: REPORTS ONLY by default (instances, volumes, AMIs and snapshots, key pairs, security groups tagged
  by kiln, past their TTL and not promoted); --apply removes them. Promoted images are never touched, nor
  security groups still in use, nor anything without kiln:tier (kiln's IAM policy denies it): those are reported.
  Exit codes: 0 swept (or reported), 1 the sweep failed, 2 bad input.
${TARGET_HELP}`;

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = { ...TARGET_FLAGS, apply: { type: 'boolean' }, 'dry-run': { type: 'boolean' } };

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  if (v.apply && v['dry-run']) throw new InputError('--apply/--dry-run', 'both', 'are exclusive', 'pass one of them');
  const { name, target } = selectTarget(v);
  const dryRun = v.apply ? false : v['dry-run'] ? true : targetEntry(name).janitorDryRunByDefault;
  const report = await target.janitor({ dryRun });
  output(v, { target: name, dryRun, report }, JSON.stringify(report));
  return 0;
}
