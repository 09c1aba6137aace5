/**
 * A team's app released on a tier: baked as a layer on the tier's promoted base, its memory measured on a booted
 * box of the tier, the image tuned to those figures (re-baked when they change the tuning), then judged under the
 * app's own traffic and promoted on its own channel. Figures are kept per app build, so a rerun does not measure again.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DistroProfile } from '../images/distro.ts';
import { TierTooSmallError } from '../images/errors.ts';
import type { Tier } from '../images/tiers.ts';
import { tune } from '../images/tuning/index.ts';
import type { Recipe } from '../images/web.ts';
import { channelOf } from '../targets/channel.ts';
import { describeMemoryAtBoot, outOfMemoryAtBoot, type MemoryAtBoot, type Target } from '../targets/target.ts';
import { appProfileOf } from '../model/lineage.ts';
import { runLoadInChild } from '../verify/load/child.ts';
import type { MeasuredProfile } from '../verify/profile.ts';
import type { AppPayload } from './app-payload.ts';
import type { JudgeKnobs, Lane } from './candidate.ts';
import { newBoxIdPrefix } from './judge.ts';
import { noteStep, type StepOutputs } from './ledger.ts';
import { renderValidated } from './prepare.ts';
import { progress, type StepContext } from './steps.ts';

/** The app cannot fit the tier: exit 1 (the build is the problem, not the command), naming what would fit. */
export class AppDoesNotFitError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'AppDoesNotFitError';
  }
}

export interface StoredProfile {
  key: string;
  measuredAt: string;
  imageRef: string;
  profile: Omit<MeasuredProfile, 'snapshots'>;
}

/** What the figures depend on: the app build, its requirements, the tier and the distro (its Python). */
export function profileKey(payload: AppPayload, tier: Tier, distro: DistroProfile['id']): string {
  const parts = {
    app: payload.sha256,
    requirements: payload.requirements?.sha256 ?? null,
    gunicorn: payload.addGunicorn,
    tier: tier.name,
    ramMiB: tier.ramMiB,
    vcpus: tier.vcpus,
    distro,
  };
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24);
}

const profilePath = (stateDir: string, key: string) => join(stateDir, 'profiles', `${key}.json`);

export async function readProfile(stateDir: string, key: string): Promise<StoredProfile | null> {
  return readFile(profilePath(stateDir, key), 'utf8').then(
    (t) => JSON.parse(t) as StoredProfile,
    () => null,
  );
}

async function storeProfile(stateDir: string, rec: StoredProfile): Promise<void> {
  await mkdir(join(stateDir, 'profiles'), { recursive: true });
  await writeFile(profilePath(stateDir, rec.key), `${JSON.stringify(rec, null, 2)}\n`);
}

/** The recipe with the measured figures: they replace kiln's assumption and any declared figure. */
export const withProfile = (
  recipe: Recipe,
  p: Pick<MeasuredProfile, 'workerPrivateMiB' | 'threadMiB' | 'workerGrowthMiB' | 'masterMiB'>,
): Recipe => ({
  ...recipe,
  app: {
    ...recipe.app,
    workerPrivateMiB: p.workerPrivateMiB,
    threadMiB: p.threadMiB,
    workerGrowthMiB: p.workerGrowthMiB,
    masterMiB: p.masterMiB,
    profileSource: 'measured',
  },
});

const smallestFirst = (catalog: readonly Tier[]) => [...catalog].sort((x, y) => x.ramMiB - y.ramMiB);

/** Why the recipe's figures do not fit the tier (the measured cost, the budget, the smallest tier that fits), or null when they do. */
function misfit(tier: Tier, recipe: Recipe, catalog: readonly Tier[]): string | null {
  try {
    tune(tier, recipe);
    return null;
  } catch (e) {
    if (!(e instanceof TierTooSmallError)) throw e;
    const a = recipe.app;
    const fits = smallestFirst(catalog).find(
      (t) =>
        t.ramMiB > tier.ramMiB
        && (() => {
          try {
            tune(t, recipe);
            return true;
          } catch {
            return false;
          }
        })(),
    );
    return (
      `${a.workerPrivateMiB} MiB private per worker (+${a.threadMiB} MiB per thread, +${a.workerGrowthMiB} MiB growth, master ${a.masterMiB} MiB): `
      + `${e.allowed} on tier ${tier.name}; ${fits ? `the smallest tier that fits is ${fits.name} (${fits.ramMiB} MiB)` : 'no tier of the catalog fits it'}`
    );
  }
}

/** Fails with the measured cost, the tier's budget and the smallest catalog tier that fits, when the app does not fit. */
export function assertFits(tier: Tier, recipe: Recipe, catalog: readonly Tier[]): void {
  const why = misfit(tier, recipe, catalog);
  if (why) throw new AppDoesNotFitError(`app ${recipe.app.name} measured ${why}`);
}

/**
 * The app ran the box out of memory before it could be measured: figures of this build from another tier tell the
 * smallest tier that fits; without them, the next larger tier is where to measure it.
 */
export function didNotBootError(
  tier: Tier,
  recipe: Recipe,
  catalog: readonly Tier[],
  oom: MemoryAtBoot,
  elsewhere: StoredProfile[],
): AppDoesNotFitError {
  const what = `app ${recipe.app.name} did not come up on tier ${tier.name} (${tier.ramMiB} MiB) at first boot: ${describeMemoryAtBoot(oom)}`;
  const measured = elsewhere[0];
  const why = measured && misfit(tier, withProfile(recipe, measured.profile), catalog);
  if (measured && why) return new AppDoesNotFitError(`${what}; measured on ${measured.imageRef}: ${why}`);
  const next = smallestFirst(catalog).find((t) => t.ramMiB > tier.ramMiB);
  return new AppDoesNotFitError(
    `${what}; ${next ? `bake it for ${next.name} (${next.ramMiB} MiB), where kiln measures it` : 'no tier of the catalog is larger'}`,
  );
}

/** Figures of this build measured on other tiers of the catalog (same distro), smallest tier first. */
async function profilesElsewhere(
  stateDir: string,
  tier: Tier,
  payload: AppPayload,
  distro: DistroProfile['id'],
  catalog: readonly Tier[],
): Promise<StoredProfile[]> {
  const others = smallestFirst(catalog).filter((t) => t.name !== tier.name);
  const found = await Promise.all(others.map((t) => readProfile(stateDir, profileKey(payload, t, distro))));
  return found.filter((p): p is StoredProfile => p !== null);
}

export interface ReleaseInput {
  ctx: StepContext;
  target: Target;
  tier: Tier;
  recipe: Recipe;
  payload: AppPayload;
  baseRef: string;
  stateDir: string;
  catalog: readonly Tier[];
  knobs: JudgeKnobs;
}

/** The lane's key and the recipe it renders with: the stored figures of this build when there are some. */
export async function releaseRecipe(
  stateDir: string,
  tier: Tier,
  recipe: Recipe,
  payload: AppPayload,
  distro: DistroProfile['id'],
): Promise<Recipe> {
  const stored = await readProfile(stateDir, profileKey(payload, tier, distro));
  return stored ? withProfile(recipe, stored.profile) : recipe;
}

export const releaseKey = (tier: Tier, recipe: Recipe) => channelOf(tier.name, recipe.app.name);

/** The release lane: its profile step measures (or re-uses the stored figures), re-renders and re-bakes when they change the tuning. */
export function releaseLane(input: ReleaseInput): Lane {
  const { ctx, target, tier, payload } = input;
  const key = releaseKey(tier, input.recipe);
  const distro = target.distro;
  const profile = async (imageRef: string): Promise<StepOutputs> => {
    const image = await target.image(imageRef);
    if (!image.bundle) throw new Error(`image ${imageRef} records no bundle: bake it again`);
    const pkey = profileKey(payload, tier, distro);
    let stored = await readProfile(input.stateDir, pkey);
    if (!stored) {
      const { measureProfile } = await import('./profile.ts');
      const boxId = `${newBoxIdPrefix()}p`;
      const measured = await measureProfile({
        target,
        tier,
        imageRef,
        bundle: image.bundle,
        boxId,
        cpus: input.knobs.cpus,
        readyTimeoutSec: input.knobs.readyTimeoutSec,
        secretsFile: input.knobs.secretsFile,
        runLoad: (spec) => runLoadInChild(spec, input.knobs.generator),
        onLaunching: (id) => ctx.ledger.update((l, now) => noteStep(l, key, 'profile', { boxes: [id] }, now)),
        log: (line) => progress(ctx, key, 'profile', line),
      }).catch(async (e: unknown) => {
        const oom = outOfMemoryAtBoot(e);
        if (!oom) throw e;
        throw didNotBootError(
          tier,
          input.recipe,
          input.catalog,
          oom,
          await profilesElsewhere(input.stateDir, tier, payload, distro, input.catalog),
        );
      });
      const { snapshots: _snapshots, ...figures } = measured;
      stored = { key: pkey, measuredAt: new Date().toISOString(), imageRef, profile: figures };
      await storeProfile(input.stateDir, stored);
      progress(ctx, key, 'profile', `measured: ${figures.evidence}`);
    } else {
      progress(
        ctx,
        key,
        'profile',
        `figures of this build measured ${stored.measuredAt} on ${stored.imageRef}: ${stored.profile.evidence}`,
      );
    }
    const tuned = withProfile(input.recipe, stored.profile);
    assertFits(tier, tuned, input.catalog);
    const out: StepOutputs = { profile: appProfileOf(tuned.app), note: stored.profile.evidence };
    const bakedWith = image.bundle.manifest.recipe.app;
    if (
      bakedWith.profileSource === 'measured'
      && bakedWith.workerPrivateMiB === tuned.app.workerPrivateMiB
      && bakedWith.threadMiB === tuned.app.threadMiB
      && bakedWith.workerGrowthMiB === tuned.app.workerGrowthMiB
      && bakedWith.masterMiB === tuned.app.masterMiB
    ) {
      return { ...out, imageRef };
    }
    // Tuned to the figures: render again, let the real tools read it, bake the layer again on the same base.
    const dir = await renderValidated(join(ctx.ledger.current.outDir, key, 'bundle-tuned'), tier, tuned, distro, payload);
    const rebaked = await target.bake({ tier, bundleDir: dir, base: input.baseRef, log: (line) => progress(ctx, key, 'profile', line) });
    progress(ctx, key, 'profile', `re-baked tuned to the measured figures: ${rebaked.ref}`);
    return { ...out, imageRef: rebaked.ref, bundleDir: dir };
  };
  return { key, tier, base: input.baseRef, profile };
}
