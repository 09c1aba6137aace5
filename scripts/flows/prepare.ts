/** render -> validate for one tier (pure render, then the real tools read the written bundle). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DISTROS, type DistroProfile } from '../../images/distro.ts';
import { render } from '../../images/render.ts';
import type { Tier } from '../../images/tiers.ts';
import type { Recipe } from '../../images/web.ts';
import { validateBundle } from '../validate/run.ts';
import { MANIFEST, writeBundle } from '../write-bundle.ts';
import { resetStep } from './ledger.ts';
import { step, type StepContext } from './steps.ts';

export const bundleDirFor = (outDir: string, tier: string) => join(outDir, tier, 'bundle');
export const reportDirFor = (outDir: string, tier: string) => join(outDir, tier, 'report');

export async function prepareTier(ctx: StepContext, tier: Tier, recipe: Recipe, distro: DistroProfile['id']): Promise<string> {
  const name = tier.name;
  const rendered = render(tier, recipe, DISTROS[distro]);
  const dir = bundleDirFor(ctx.ledger.current.outDir, name);
  // A bundle recorded done but gone from disk is rendered again (render is pure: the same files come back).
  const prior = ctx.ledger.current.steps[name]?.render;
  if (prior?.state === 'done' && !existsSync(join(dir, MANIFEST))) {
    await ctx.ledger.update((l, now) => resetStep(l, name, 'render', now));
  }
  await step(ctx, name, 'render', async () => {
    await writeBundle(dir, rendered);
    return { bundleDir: dir, note: `${rendered.files.length} files (${distro})` };
  });
  await step(ctx, name, 'validate', async () => {
    const findings = await validateBundle(dir, rendered);
    // Fail closed, as `kiln validate` does: a bundle no program has read is not valid.
    if (!findings.length) throw new Error('no validator ran on this bundle');
    const bad = findings.filter((f) => !f.ok);
    if (bad.length) throw new Error(bad.map((f) => `${f.file} [${f.tool}]: ${f.output.split('\n').slice(0, 5).join(' | ')}`).join('\n'));
    const gaps = findings.filter((f) => f.note).length;
    return { findings: findings.length, note: `${findings.length} checks passed${gaps ? `, ${gaps} read by a host program of another release than the image's (kiln validate says what that leaves unchecked)` : ''}` };
  });
  return dir;
}
