/** `kiln promoted --target local|aws --tier T [--recipe kiln.yaml] [--json]`: the promoted image of a tier, or of an app's releases on it. */
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

export const help = `kiln promoted --target local|aws --tier T [--recipe kiln.yaml] [--json]
  Prints the promoted image ref of the tier (--json: { tier, ref, verdictDigest, previousRef? }, or null
  when nothing was promoted; exit 0 either way). With a recipe that has app.source: the promoted release
  of that app on the tier (channel <tier>.<app>). aws: a pointer that is unverified or revoked is an error
  (exit 1): deploy and the gate would refuse it too.
  Exit codes: 0 printed (a ref, or nothing), 1 the pointer is unverified or revoked (aws), 2 bad input.
${TARGET_HELP}`;

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = { ...TARGET_FLAGS, tier: { type: 'string' } };

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  const tier = requireTier(v, loadCatalog(v.catalog as string | undefined));
  const channel = channelOfRecipe(tier.name, loadRecipe(v.recipe as string | undefined));
  const { name, target } = selectTarget(v);
  const rec = (await target.promoted(channel)) ?? null;
  if (!rec) progress(`nothing promoted for ${channel} on ${name}`);
  output(v, rec, rec ? rec.ref : '');
  return 0;
}
