/** `kiln promoted --target local|aws --tier T [--json]`: the tier's promoted image. */
import { loadCatalog, output, parse, progress, requireTier, selectTarget, TARGET_FLAGS, TARGET_HELP } from './args.ts';

export const help = `kiln promoted --target local|aws --tier T [--json]
  Prints the promoted image ref of the tier (--json: { tier, ref, verdictDigest, previousRef? }, or null
  when nothing was promoted; exit 0 either way). aws: a pointer that is unverified or revoked is an error
  (exit 1): deploy and the gate would refuse it too.
${TARGET_HELP}`;

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, { ...TARGET_FLAGS, tier: { type: 'string' } });
  const tier = requireTier(v, loadCatalog(v.catalog as string | undefined));
  const { name, target } = selectTarget(v);
  const rec = (await target.promoted(tier.name)) ?? null;
  if (!rec) progress(`nothing promoted for ${tier.name} on ${name}`);
  output(v, rec, rec ? rec.ref : '');
  return 0;
}
