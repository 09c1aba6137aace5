/**
 * bake -> launch -> verify -> destroy -> promote for one tier, each recorded in the ledger. Promotion reads
 * the verdict file back and refuses unless it passed, names this run, this tier and the image this run baked.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Tier } from '../images/tiers.ts';
import type { Target } from '../targets/target.ts';
import { assertPromotable } from '../model/verdict-guard.ts';
import { destroyBox } from './boxes.ts';
import { judge, type JudgeInput } from './judge.ts';
import { noteStep, resetStep, skipStep, type StepOutputs, undestroyedBoxes } from './ledger.ts';
import { reportDirFor } from './prepare.ts';
import { begin, doneOutputs, end, fail, progress, step, type StepContext } from './steps.ts';

/**
 * One promotion channel of the run: a tier's base image (key = the tier), or a team's app released on the tier's
 * promoted base (key `<tier>.<app>`, baked as a layer on `base`, its memory measured by `profile` before it is judged).
 */
export interface Lane {
  key: string;
  tier: Tier;
  /** Image ref a release layer is baked on. */
  base?: string;
  /** Measures the baked image's app and returns the image to judge (re-baked when the figures change its tuning). */
  profile?: (imageRef: string) => Promise<StepOutputs>;
}

/** Knobs of the measurement, passed through to judge. */
export type JudgeKnobs = Pick<
  JudgeInput,
  'shape' | 'capacityBudgetSec' | 'baselineRepetitions' | 'readyTimeoutSec' | 'verifyTimeoutSec' | 'cpus' | 'generator' | 'secretsFile'
>;

export const verdictRunId = (runId: string, tier: string) => `${runId}-${tier}`;

/** Boxes a killed attempt recorded and nobody destroyed: destroyed by id, and the ledger says so. */
export async function cleanBoxes(ctx: StepContext, target: Target, tier: string): Promise<void> {
  const ids = undestroyedBoxes(ctx.ledger.current, tier);
  if (!ids.length) return;
  const started = await begin(ctx, tier, 'destroy', { boxes: ids, note: 'boxes of an interrupted attempt' });
  const errors: string[] = [];
  for (const id of ids) await destroyBox(target, id).catch((e: Error) => errors.push(`${id}: ${e.message}`));
  if (errors.length) throw await fail(ctx, tier, 'destroy', started, new Error(errors.join('; ')));
  await end(ctx, tier, 'destroy', started, {}, `destroyed ${ids.join(', ')}`);
}

async function measure(ctx: StepContext, target: Target, lane: Lane, imageRef: string, knobs: JudgeKnobs): Promise<StepOutputs> {
  const t = lane.key;
  const tier = lane.tier;
  const prior = doneOutputs(ctx, t, 'verify');
  if (prior?.verdictPath && existsSync(prior.verdictPath)) {
    await cleanBoxes(ctx, target, t);
    progress(ctx, t, 'verify', `done in an earlier attempt (decision ${prior.decision}); re-using ${prior.verdictPath}`);
    return prior;
  }
  await cleanBoxes(ctx, target, t);
  const promoted = await target.promoted(t);
  // The same image as the promoted one: comparing it with itself proves nothing, it is verified on its own.
  const baselineRef = promoted && promoted.ref !== imageRef ? promoted.ref : undefined;
  let phase: 'launch' | 'verify' = 'launch';
  let started = await begin(ctx, t, 'launch', { boxes: [], ...(baselineRef ? { baselineRef } : {}) });
  let destroyStarted = 0;
  const ids: string[] = [];
  try {
    const r = await judge({
      ...knobs,
      target,
      tier,
      candidateRef: imageRef,
      baselineRef,
      reportDir: reportDirFor(ctx.ledger.current.outDir, t),
      runId: verdictRunId(ctx.ledger.current.runId, t),
      log: (line) => progress(ctx, t, phase, line),
      onLaunching: async (id) => {
        ids.push(id);
        await ctx.ledger.update((l, now) => noteStep(l, t, 'launch', { boxes: [...ids] }, now));
      },
      onVerifying: async () => {
        await end(ctx, t, 'launch', started, {}, `${ids.length} box(es) up`);
        phase = 'verify';
        started = await begin(ctx, t, 'verify', {});
      },
      onDestroying: async () => {
        destroyStarted = await begin(ctx, t, 'destroy', { boxes: [...ids] });
      },
      onDestroyed: async (_ids, errors) => {
        if (errors.length) await fail(ctx, t, 'destroy', destroyStarted, new Error(errors.join('; ')));
        else await end(ctx, t, 'destroy', destroyStarted);
      },
    });
    const out = { verdictPath: r.verdictPath, reportHtml: r.reportHtml, decision: r.decision };
    await end(ctx, t, 'verify', started, out, `decision ${r.decision}${r.decision === 'fail' ? ` (${r.verdict.reasons.join('; ')})` : ''}`);
    return out;
  } catch (e) {
    throw await fail(ctx, t, phase, started, e);
  }
}

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

async function promoteFrom(ctx: StepContext, target: Target, lane: Lane, imageRef: string, verdictPath: string): Promise<StepOutputs> {
  const tier = lane.key;
  const text = await readFile(verdictPath, 'utf8');
  const v = assertPromotable(JSON.parse(text));
  const runId = verdictRunId(ctx.ledger.current.runId, tier);
  if (v.image.ref !== imageRef) throw new Error(`verdict is for image ${v.image.ref}, this run baked ${imageRef}: not promoted`);
  if (v.tier !== lane.tier.name) throw new Error(`verdict is for tier ${v.tier}, not ${lane.tier.name}: not promoted`);
  if (v.runId !== runId) throw new Error(`verdict belongs to run ${v.runId}, not ${runId}: not promoted`);
  const current = await target.promoted(tier);
  if (current?.ref === imageRef) {
    const mine = current.verdictDigest === sha256(text);
    return {
      promotedRef: imageRef,
      verdictDigest: current.verdictDigest,
      note: mine ? 'promoted by an earlier attempt of this run' : 'held: already the promoted image',
    };
  }
  const rec = await target.promote({ verdictPath });
  return { promotedRef: rec.ref, verdictDigest: rec.verdictDigest, ...(rec.previousRef ? { previousRef: rec.previousRef } : {}) };
}

export async function bakeJudgePromote(ctx: StepContext, target: Target, lane: Lane, bundleDir: string, knobs: JudgeKnobs): Promise<void> {
  const t = lane.key;
  const tier = lane.tier;
  const prior = doneOutputs(ctx, t, 'bake');
  // A bake recorded done whose image is gone is baked again (same inputs, same ref).
  if (
    prior?.imageRef
    && !(await target.image(prior.imageRef).then(
      () => true,
      () => false,
    ))
  ) {
    await ctx.ledger.update((l, now) => resetStep(l, t, 'bake', now));
  }
  const baked = await step(ctx, t, 'bake', async () => {
    const img = await target.bake({ tier, bundleDir, base: lane.base, log: (line) => progress(ctx, t, 'bake', line) });
    return { imageRef: img.ref, reused: img.reused };
  });
  let imageRef = baked.imageRef!;
  if (lane.profile) {
    const profile = lane.profile;
    const profiled = await step(ctx, t, 'profile', () => profile(baked.imageRef!));
    imageRef = profiled.imageRef ?? imageRef;
  } else if (ctx.ledger.current.steps[t]!.profile?.state === 'pending') {
    await ctx.ledger.update((l, now) =>
      skipStep(l, t, 'profile', "a base image: its app is the canary, whose figures are kiln's own", now),
    );
  }
  const verdict = await measure(ctx, target, lane, imageRef, knobs);
  if (verdict.decision !== 'pass') {
    await ctx.ledger.update((l, now) => skipStep(l, t, 'promote', 'rejected: the verdict is fail', now));
    progress(ctx, t, 'promote', 'skipped: the verdict is fail');
    return;
  }
  await step(ctx, t, 'promote', () => promoteFrom(ctx, target, lane, imageRef, verdict.verdictPath!));
}
