/** render -> validate for one tier (pure render, then the real tools read the written bundle). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DISTROS, type DistroProfile } from '../images/distro.ts';
import { render } from '../images/render.ts';
import type { Tier } from '../images/tiers.ts';
import type { Recipe } from '../images/web.ts';
import type { AppPayload } from './app-payload.ts';
import { validateBundle } from './validate/run.ts';
import { MANIFEST, writeBundle } from './bundle/write-bundle.ts';
import { resetStep } from './ledger.ts';
import { step, type StepContext } from './steps.ts';

export const bundleDirFor = (outDir: string, tier: string) => join(outDir, tier, 'bundle');
export const reportDirFor = (outDir: string, tier: string) => join(outDir, tier, 'report');

/** `lane`: the ledger's key (the tier, or `<tier>.<app>` for a release); `payload`: a team's app, written beside the render. */
export async function prepareTier(
  ctx: StepContext,
  tier: Tier,
  recipe: Recipe,
  distro: DistroProfile['id'],
  lane = tier.name,
  payload: AppPayload | null = null,
): Promise<string> {
  const name = lane;
  const rendered = render(tier, recipe, DISTROS[distro]);
  const dir = bundleDirFor(ctx.ledger.current.outDir, name);
  // A bundle recorded done but gone from disk is rendered again (render is pure: the same files come back).
  const prior = ctx.ledger.current.steps[name]?.render;
  if (prior?.state === 'done' && !existsSync(join(dir, MANIFEST))) {
    await ctx.ledger.update((l, now) => resetStep(l, name, 'render', now));
  }
  await step(ctx, name, 'render', async () => {
    await writeBundle(dir, rendered, payload);
    return { bundleDir: dir, note: `${rendered.files.length} files (${distro})` };
  });
  await step(ctx, name, 'validate', async () => {
    const findings = await validateWritten(dir, rendered);
    const gaps = findings.filter((f) => f.note).length;
    return {
      findings: findings.length,
      note: `${findings.length} checks passed${gaps ? `, ${gaps} read by a host program of another release than the image's (kiln validate says what that leaves unchecked)` : ''}`,
    };
  });
  return dir;
}

/** The real tools read a written bundle; throws with their words unless every one passed. */
async function validateWritten(dir: string, rendered: ReturnType<typeof render>): Promise<Awaited<ReturnType<typeof validateBundle>>> {
  const findings = await validateBundle(dir, rendered);
  // Fail closed, as `kiln validate` does: a bundle no program has read is not valid.
  if (!findings.length) throw new Error('no validator ran on this bundle');
  const bad = findings.filter((f) => !f.ok);
  if (bad.length) throw new Error(bad.map((f) => `${f.file} [${f.tool}]: ${f.output.split('\n').slice(0, 5).join(' | ')}`).join('\n'));
  return findings;
}

/** render -> write -> validate outside the ledger's steps (a release re-tuned to its measured figures). */
export async function renderValidated(
  dir: string,
  tier: Tier,
  recipe: Recipe,
  distro: DistroProfile['id'],
  payload: AppPayload | null,
): Promise<string> {
  const rendered = render(tier, recipe, DISTROS[distro]);
  await writeBundle(dir, rendered, payload);
  await validateWritten(dir, rendered);
  return dir;
}
