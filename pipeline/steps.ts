/** One ledger step around a piece of work: running -> done|failed, persisted, with a progress line each way. */
import type { Log } from '../targets/target.ts';
import { failStep, finishStep, startStep, type Ledger, type StepName, type StepOutputs } from './ledger.ts';

export interface StepContext {
  ledger: Ledger;
  log: Log;
  /** Run start (ms), for the elapsed column of progress lines. */
  t0: number;
}

/** A step that failed; its error text is in the ledger already. */
export class StepFailed extends Error {
  constructor(
    readonly tier: string,
    readonly step: StepName,
    message: string,
  ) {
    super(message);
    this.name = 'StepFailed';
  }
}

const secs = (ms: number) => `${(ms / 1000).toFixed(0)}s`;

export function progress(ctx: StepContext, tier: string, step: string, what: string): void {
  ctx.log(`kiln nightly +${secs(Date.now() - ctx.t0)} ${tier} ${step}: ${what}`);
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).trim().slice(0, 4000);

/** The step's recorded outputs when it is done (a resumed run re-uses them), else undefined. */
export function doneOutputs(ctx: StepContext, tier: string, step: StepName): StepOutputs | undefined {
  const r = ctx.ledger.current.steps[tier]?.[step];
  return r?.state === 'done' ? r.outputs : undefined;
}

export async function begin(ctx: StepContext, tier: string, step: StepName, outputs: StepOutputs = {}): Promise<number> {
  await ctx.ledger.update((l, now) => startStep(l, tier, step, now, outputs));
  progress(ctx, tier, step, 'running');
  return Date.now();
}

export async function end(
  ctx: StepContext,
  tier: string,
  step: StepName,
  started: number,
  outputs: StepOutputs = {},
  what = 'done',
): Promise<void> {
  await ctx.ledger.update((l, now) => finishStep(l, tier, step, now, outputs));
  progress(ctx, tier, step, `${what} in ${secs(Date.now() - started)}`);
}

export async function fail(
  ctx: StepContext,
  tier: string,
  step: StepName,
  started: number,
  e: unknown,
  outputs: StepOutputs = {},
): Promise<StepFailed> {
  const text = errorText(e);
  await ctx.ledger.update((l, now) => failStep(l, tier, step, text, now, outputs));
  progress(ctx, tier, step, `FAILED in ${secs(Date.now() - started)}: ${text.split('\n')[0]}`);
  return new StepFailed(tier, step, text);
}

/** Runs `work` as `step` of `tier`; a done step is skipped and its outputs returned. */
export async function step(ctx: StepContext, tier: string, name: StepName, work: () => Promise<StepOutputs>): Promise<StepOutputs> {
  const prior = doneOutputs(ctx, tier, name);
  if (prior) {
    progress(ctx, tier, name, 'done in an earlier attempt; re-using its outputs');
    return prior;
  }
  const started = await begin(ctx, tier, name);
  let out: StepOutputs;
  try {
    out = await work();
  } catch (e) {
    throw await fail(ctx, tier, name, started, e);
  }
  await end(ctx, tier, name, started, out);
  return out;
}
