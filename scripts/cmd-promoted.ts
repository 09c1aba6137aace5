/** `kiln promoted --target local|aws --tier T|T.APP [--json]`: the promoted image of a tier's base or of an app's release on it. */
import { InputError } from '../images/errors.ts';
import { channelOf } from '../targets/channel.ts';
import { loadCatalog, output, parse, progress, requireTier, selectTarget, TARGET_FLAGS, TARGET_HELP } from './args.ts';

export const help = `kiln promoted --target local|aws --tier T|T.APP [--json]
  Prints the promoted image ref of the tier's base image, or with T.APP of the app's release on the tier
  (--json: { tier, ref, verdictDigest, previousRef? }, or null when nothing was promoted; exit 0 either way).
  aws: a pointer that is unverified or revoked is an error (exit 1): deploy and the gate would refuse it too.
${TARGET_HELP}`;

const APP = /^[a-z][a-z0-9_]{0,30}$/;

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, { ...TARGET_FLAGS, tier: { type: 'string' } });
  // A release channel is `<tier>.<app>`: the tier part must be a known tier, the app part an app name.
  const [tierName, app, ...rest] = typeof v.tier === 'string' ? v.tier.split('.') : [];
  if (rest.length || (app !== undefined && !APP.test(app))) throw new InputError('--tier', v.tier, 'a tier name, or TIER.APP for an app\'s release on it', 'pass e.g. --tier small or --tier small.mysite');
  const tier = requireTier({ ...v, tier: tierName }, loadCatalog(v.catalog as string | undefined));
  const channel = channelOf(tier.name, app);
  const { name, target } = selectTarget(v);
  const rec = (await target.promoted(channel)) ?? null;
  if (!rec) progress(`nothing promoted for ${channel} on ${name}`);
  output(v, rec, rec ? rec.ref : '');
  return 0;
}
