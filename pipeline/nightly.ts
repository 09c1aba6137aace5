/**
 * The nightly loop: renders and validates of every tier in parallel, then ONE tier at a time bake -> launch
 * -> verify -> destroy -> promote (bakes and measurements on one machine would disturb each other), then
 * janitor. Every transition is in the run ledger; `resume` picks a killed run up where its ledger says.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '../images/errors.ts';
import type { Tier } from '../images/tiers.ts';
import { isCanary, WEB, type Recipe } from '../images/web.ts';
import type { Log, Target } from '../targets/target.ts';
import { appPayload } from './app-payload.ts';
import { bakeJudgePromote, cleanBoxes, type JudgeKnobs } from './candidate.ts';
import {
  interrupted,
  ledgerPath,
  Ledger,
  newLedger,
  newRunId,
  readLedger,
  resetStep,
  runDir,
  skipStep,
  STEPS,
  type RunLedger,
} from './ledger.ts';
import { prepareTier } from './prepare.ts';
import { releaseKey, releaseLane, releaseRecipe } from './release.ts';
import { errorText, progress, StepFailed, type StepContext } from './steps.ts';
import { summarize, summaryTable, type NightlySummary } from './summary.ts';
import { kilnVersion } from '../images/kiln-version.ts';

export interface NightlyInput {
  target: Target;
  /** Tiers of a new run; a resumed run takes its own from the ledger. */
  tiers: Tier[];
  /** Looks a ledger's tier names up again on resume. */
  findTier: (name: string) => Tier;
  /** Every tier a release could move to when its app does not fit (default: the run's tiers). */
  catalog?: readonly Tier[];
  stateDir: string;
  outDir?: string;
  resume?: string;
  recipe?: Recipe;
  knobs?: JudgeKnobs;
  /** Renders/validates at once (they are CPU-light next to bakes). */
  prepareConcurrency?: number;
  log?: Log;
}

export interface NightlyResult {
  summary: NightlySummary;
  summaryPath: string;
  ledger: RunLedger;
}

async function pool<T>(items: T[], n: number, f: (x: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(n, queue.length) }, async () => {
      for (let x = queue.shift(); x !== undefined; x = queue.shift()) await f(x);
    }),
  );
}

/** A tier that stopped at a failed step: every later step is recorded skipped, naming the cause. */
async function skipRest(ctx: StepContext, tier: string, cause: string): Promise<void> {
  const steps = ctx.ledger.current.steps[tier]!;
  for (const s of STEPS) {
    if (steps[s].state === 'pending') await ctx.ledger.update((l, now) => skipStep(l, tier, s, `not run: ${cause}`, now));
  }
}

async function guarded(ctx: StepContext, tier: string, work: () => Promise<unknown>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (e) {
    // A StepFailed is in the ledger already; anything else (a bug, an I/O error) is logged and stops the tier too.
    if (!(e instanceof StepFailed)) progress(ctx, tier, '-', `stopped: ${errorText(e)}`);
    await skipRest(ctx, tier, e instanceof StepFailed ? `${e.step} failed` : errorText(e).split('\n')[0]!);
    return false;
  }
}

export async function nightly(input: NightlyInput): Promise<NightlyResult> {
  const log = input.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stateDir = resolve(input.stateDir);
  const { target } = input;
  const recipe = input.recipe ?? WEB;
  // A team's app: the base lanes bake and prove the stack with the canary; release lanes put the app on top.
  const app = isCanary(recipe) ? null : recipe;
  const payload = app ? appPayload(app) : null;
  let doc: RunLedger;
  if (input.resume) {
    doc = await readLedger(stateDir, input.resume);
    if (doc.target !== target.name)
      throw new InputError('--target', target.name, `the run's own target (${doc.target})`, `resume with --target ${doc.target}`);
    if (doc.distro && doc.distro !== target.distro)
      throw new InputError('--distro', target.distro, `the run's own distro (${doc.distro})`, `resume with --distro ${doc.distro}`);
  } else {
    const runId = newRunId();
    const lanes = input.tiers.flatMap((t) => (app ? [t.name, releaseKey(t, app)] : [t.name]));
    doc = { ...newLedger(runId, target.name, lanes, resolve(input.outDir ?? runDir(stateDir, runId)), new Date()), distro: target.distro };
  }
  const ledger = new Ledger(stateDir, {
    ...doc,
    finishedAt: undefined,
    attempts: [...doc.attempts, { pid: process.pid, startedAt: new Date().toISOString(), kilnVersion: kilnVersion() }],
  });
  await ledger.update((l) => l);
  const ctx: StepContext = { ledger, log, t0: Date.now() };
  // A ledger's lanes: each tier's base image, and with a team's app its release on that tier (`<tier>.<app>`).
  const tiers = [...new Set(ledger.current.tiers.map((k) => k.split('.')[0]!))].map(input.findTier);
  log(
    `kiln nightly: run ${ledger.current.runId} (${target.name}, ${target.distro}) tiers ${ledger.current.tiers.join(', ')}; ledger ${ledgerPath(stateDir, ledger.current.runId)}`,
  );

  // A killed attempt: its boxes are destroyed by id first; its running steps then rerun from scratch.
  for (const { tier, step } of interrupted(ledger.current))
    progress(ctx, tier, step, 'was running when the last attempt died; cleaning and rerunning');
  for (const lane of ledger.current.tiers) {
    const cleaned = await cleanBoxes(ctx, target, lane).then(
      () => true,
      () => false,
    );
    // What did not finish runs again; what failed before is not carried over as if it were this attempt's.
    for (const s of STEPS) {
      const st = ledger.current.steps[lane]![s]?.state;
      if (cleaned && (st === 'running' || st === 'failed' || st === 'skipped')) await ledger.update((l, now) => resetStep(l, lane, s, now));
    }
  }

  const knobs = input.knobs ?? {};
  const ready = new Map<string, string>();
  const prepares = tiers.flatMap((t) => [
    { lane: t.name, run: () => prepareTier(ctx, t, WEB, target.distro) },
    ...(app && payload
      ? [
          {
            lane: releaseKey(t, app),
            run: async () =>
              prepareTier(
                ctx,
                t,
                await releaseRecipe(stateDir, t, app, payload, target.distro),
                target.distro,
                releaseKey(t, app),
                payload,
              ),
          },
        ]
      : []),
  ]);
  await pool(prepares, input.prepareConcurrency ?? 2, async (p) => {
    await guarded(ctx, p.lane, async () => ready.set(p.lane, await p.run()));
  });
  for (const t of tiers) {
    const baseDir = ready.get(t.name);
    if (baseDir) await guarded(ctx, t.name, () => bakeJudgePromote(ctx, target, { key: t.name, tier: t }, baseDir, knobs));
    if (!app || !payload) continue;
    const key = releaseKey(t, app);
    const releaseDir = ready.get(key);
    if (!releaseDir) continue;
    await guarded(ctx, key, async () => {
      // The release goes on the tier's promoted base: this run's, or the one before it when this run's was not promoted.
      const base = await target.promoted(t.name);
      if (!base) throw new Error(`tier ${t.name} has no promoted base image to release ${app.app.name} on`);
      const lane = releaseLane({
        ctx,
        target,
        tier: t,
        recipe: app,
        payload,
        baseRef: base.ref,
        stateDir,
        catalog: input.catalog ?? tiers,
        knobs,
      });
      await bakeJudgePromote(ctx, target, lane, releaseDir, knobs);
    });
  }

  const j0 = Date.now();
  progress(ctx, '*', 'janitor', 'running');
  await ledger.update((l, now) => ({ ...l, janitor: { state: 'running', startedAt: now.toISOString(), outputs: {} } }));
  const janitor = await target.janitor({ dryRun: false }).then(
    (r) => ({ ok: true, text: JSON.stringify(r) }),
    (e: unknown) => ({ ok: false, text: errorText(e) }),
  );
  await ledger.update((l, now) => ({
    ...l,
    janitor: {
      ...l.janitor!,
      state: janitor.ok ? 'done' : 'failed',
      endedAt: now.toISOString(),
      outputs: { note: janitor.ok ? janitor.text.slice(0, 2000) : undefined },
      ...(janitor.ok ? {} : { error: janitor.text }),
    },
  }));
  progress(ctx, '*', 'janitor', `${janitor.ok ? 'done' : 'FAILED'} in ${((Date.now() - j0) / 1000).toFixed(0)}s`);

  const file = ledgerPath(stateDir, ledger.current.runId);
  const summaryPath = join(runDir(stateDir, ledger.current.runId), 'summary.json');
  await ledger.update((l, now) => ({ ...l, finishedAt: now.toISOString(), summaryPath }));
  const summary = summarize(ledger.current, file, kilnVersion());
  await writeFile(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  log(summaryTable(summary));
  return { summary, summaryPath, ledger: ledger.current };
}
