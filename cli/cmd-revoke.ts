/** `kiln revoke --target aws --tier T [--recipe kiln.yaml] --version N [--reason TEXT]`: marks a promoted version (and its image) as never to deploy. */
import { InputError } from '../images/errors.ts';
import { channelOfRecipe } from '../targets/channel.ts';
import {
  loadCatalog,
  loadRecipe,
  output,
  parse,
  progress,
  requireTier,
  selectTarget,
  TARGET_FLAGS,
  TARGET_HELP,
  type Options,
} from './args.ts';

export const help = `kiln revoke --target aws --tier T [--recipe kiln.yaml] --version N [--reason TEXT] [--json]
  Labels version N of the tier's SSM pointer revoked-vN and tags its AMI kiln:revoked, so deploy and
  promote refuse it from then on. With a recipe that has app.source: version N of that app's release
  pointer on the tier (<tier>.<app>). N comes from kiln promoted / the parameter history. Only targets with
  a fleet (aws).
  Exit codes: 0 revoked, 1 the revoke failed, 2 bad input (a flag, a version, a target without a fleet).
${TARGET_HELP}`;

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = { ...TARGET_FLAGS, tier: { type: 'string' }, version: { type: 'string' }, reason: { type: 'string' } };

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  const tier = requireTier(v, loadCatalog(v.catalog as string | undefined));
  const version = Number(v.version);
  if (!Number.isInteger(version) || version < 1)
    throw new InputError('--version', v.version ?? null, 'a parameter version number (1, 2, …)', 'pass --version N from kiln promoted');
  const reason = v.reason as string | undefined;
  if (reason !== undefined && (reason.length > 200 || /[\u0000-\u001f]/.test(reason)))
    throw new InputError('--reason', reason, 'at most 200 characters, no control characters', 'shorten it');
  const { name, target } = selectTarget(v);
  if (!target.fleet) throw new InputError('--target', name, 'a target with a fleet (aws)', 'revoke with --target aws');
  const channel = channelOfRecipe(tier.name, loadRecipe(v.recipe as string | undefined));
  const r = await target.fleet.revoke({ tier: channel, version, reason });
  progress(`revoked ${channel} version ${version}`);
  output(v, r, JSON.stringify(r));
  return 0;
}
