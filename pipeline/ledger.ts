/**
 * The run ledger: `<stateDir>/runs/<runId>/ledger.json`, one document per run, rewritten atomically (temp +
 * rename) after every step transition, so a killed run can be resumed or cleaned from what it says.
 * The transitions are pure functions over the document; `Ledger` only adds the file.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../images/errors.ts';
import { writeFileAtomic } from '../lib/fsutil.ts';
import type { AppMemoryProfile } from '../model/lineage.ts';

export const STEPS = ['render', 'validate', 'bake', 'profile', 'launch', 'verify', 'destroy', 'promote'] as const;
export type StepName = (typeof STEPS)[number];
export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** What a step produced; each step fills only its own fields. */
export interface StepOutputs {
  bundleDir?: string;
  findings?: number;
  imageRef?: string;
  reused?: boolean;
  /** Box ids, recorded BEFORE each launch so a killed run knows what to destroy. */
  boxes?: string[];
  baselineRef?: string;
  verdictPath?: string;
  reportHtml?: string;
  decision?: 'pass' | 'fail';
  promotedRef?: string;
  previousRef?: string;
  verdictDigest?: string;
  /** The app's memory figures the judged image is tuned to (a release lane's profile step). */
  profile?: AppMemoryProfile;
  note?: string;
}

export interface StepRecord {
  state: StepState;
  startedAt?: string;
  endedAt?: string;
  elapsedSec?: number;
  outputs: StepOutputs;
  error?: string;
}

export interface RunLedger {
  version: 1;
  runId: string;
  target: string;
  /** The distro the run bakes (absent in ledgers from before the choice existed); a resume must bake the same. */
  distro?: string;
  tiers: string[];
  /** Where bundles and reports go (`<outDir>/<tier>/bundle|report`); a resumed run keeps it. */
  outDir: string;
  createdAt: string;
  updatedAt: string;
  /** Attempts: every start or resume appends one (pid, time, and the kiln that ran it: absent in older ledgers). */
  attempts: { pid: number; startedAt: string; kilnVersion?: string }[];
  steps: Record<string, Record<StepName, StepRecord>>;
  janitor?: StepRecord;
  /** Written by the run's end: per tier decision (see summary.ts). */
  summaryPath?: string;
  finishedAt?: string;
}

export const RUN_ID_PATTERN = /^[0-9]{8}T[0-9]{6}Z-[a-z0-9]{4}$/;

export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

export const runDir = (stateDir: string, runId: string) => join(stateDir, 'runs', runId);
export const ledgerPath = (stateDir: string, runId: string) => join(runDir(stateDir, runId), 'ledger.json');

const emptySteps = (): Record<StepName, StepRecord> =>
  Object.fromEntries(STEPS.map((s) => [s, { state: 'pending', outputs: {} }])) as Record<StepName, StepRecord>;

export function newLedger(runId: string, target: string, tiers: string[], outDir: string, now: Date): RunLedger {
  const at = now.toISOString();
  return {
    version: 1,
    runId,
    target,
    tiers: [...tiers],
    outDir,
    createdAt: at,
    updatedAt: at,
    attempts: [],
    steps: Object.fromEntries(tiers.map((t) => [t, emptySteps()])),
  };
}

function mapStep(l: RunLedger, tier: string, step: StepName, f: (r: StepRecord) => StepRecord, now: Date): RunLedger {
  const cur = l.steps[tier]?.[step];
  if (!cur) throw new Error(`ledger ${l.runId}: no tier ${tier}`);
  return { ...l, updatedAt: now.toISOString(), steps: { ...l.steps, [tier]: { ...l.steps[tier]!, [step]: f(cur) } } };
}

const elapsed = (r: StepRecord, now: Date) => (r.startedAt ? Math.round((now.getTime() - Date.parse(r.startedAt)) / 100) / 10 : undefined);

/** pending|failed|running(after a kill) -> running; outputs kept from before are dropped unless passed again. */
export const startStep = (l: RunLedger, tier: string, step: StepName, now: Date, outputs: StepOutputs = {}): RunLedger =>
  mapStep(l, tier, step, () => ({ state: 'running', startedAt: now.toISOString(), outputs }), now);

/** Adds outputs to a step without changing its state (box ids as they are claimed). */
export const noteStep = (l: RunLedger, tier: string, step: StepName, outputs: StepOutputs, now: Date): RunLedger =>
  mapStep(l, tier, step, (r) => ({ ...r, outputs: { ...r.outputs, ...outputs } }), now);

export const finishStep = (l: RunLedger, tier: string, step: StepName, now: Date, outputs: StepOutputs = {}): RunLedger =>
  mapStep(
    l,
    tier,
    step,
    (r) => ({
      ...r,
      state: 'done',
      endedAt: now.toISOString(),
      elapsedSec: elapsed(r, now),
      outputs: { ...r.outputs, ...outputs },
      error: undefined,
    }),
    now,
  );

export const failStep = (l: RunLedger, tier: string, step: StepName, error: string, now: Date, outputs: StepOutputs = {}): RunLedger =>
  mapStep(
    l,
    tier,
    step,
    (r) => ({
      ...r,
      state: 'failed',
      endedAt: now.toISOString(),
      elapsedSec: elapsed(r, now),
      outputs: { ...r.outputs, ...outputs },
      error,
    }),
    now,
  );

export const skipStep = (l: RunLedger, tier: string, step: StepName, why: string, now: Date): RunLedger =>
  mapStep(l, tier, step, () => ({ state: 'skipped', endedAt: now.toISOString(), outputs: { note: why } }), now);

/** Back to pending: a step recorded done whose output is gone (a bundle or image removed since) must run again. */
export const resetStep = (l: RunLedger, tier: string, step: StepName, now: Date): RunLedger =>
  mapStep(l, tier, step, () => ({ state: 'pending', outputs: {} }), now);

/** Steps a killed process left `running`: they must be cleaned (boxes destroyed) and rerun. */
export function interrupted(l: RunLedger): { tier: string; step: StepName; record: StepRecord }[] {
  return Object.entries(l.steps).flatMap(([tier, steps]) =>
    STEPS.filter((s) => steps[s].state === 'running').map((step) => ({ tier, step, record: steps[step] })),
  );
}

/** Box ids the run recorded that a later step has not seen destroyed. */
export function undestroyedBoxes(l: RunLedger, tier: string): string[] {
  const s = l.steps[tier];
  if (!s) return [];
  // The profile step boots its own box and tears it down before it ends: a done step left none.
  const profiled = s.profile?.state === 'done' ? [] : (s.profile?.outputs.boxes ?? []);
  const judged = s.destroy.state === 'done' ? [] : (s.launch.outputs.boxes ?? []);
  return [...new Set([...profiled, ...judged])];
}

/** Reads a ledger for --resume (InputError when the run is unknown or its file unreadable). */
export async function readLedger(stateDir: string, runId: string): Promise<RunLedger> {
  if (!RUN_ID_PATTERN.test(runId))
    throw new InputError('--resume', runId, 'a run id like 20260102T030405Z-ab12', 'pass the run id a previous `kiln nightly` printed');
  const path = ledgerPath(stateDir, runId);
  if (!existsSync(path))
    throw new InputError('--resume', runId, `a run with a ledger under ${join(stateDir, 'runs')}`, 'check the run id and --state-dir');
  try {
    return JSON.parse(await readFile(path, 'utf8')) as RunLedger;
  } catch (e) {
    throw new InputError('--resume', runId, `a readable ledger (${(e as Error).message})`, 'start a new run without --resume');
  }
}

/** Holds the current document and writes it after every transition (temp file + rename: never half a ledger). */
export class Ledger {
  private chain: Promise<void> = Promise.resolve();
  constructor(
    readonly stateDir: string,
    private doc: RunLedger,
  ) {}
  get current(): RunLedger {
    return this.doc;
  }
  get dir(): string {
    return runDir(this.stateDir, this.doc.runId);
  }
  /** Applies a transition and persists it; transitions are serialized (parallel renders share one file). */
  update(f: (l: RunLedger, now: Date) => RunLedger): Promise<void> {
    this.doc = f(this.doc, new Date());
    const snapshot = `${JSON.stringify(this.doc, null, 2)}\n`;
    this.chain = this.chain.then(() => this.write(snapshot));
    return this.chain;
  }
  private async write(text: string): Promise<void> {
    const path = ledgerPath(this.stateDir, this.doc.runId);
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(path, text);
  }
}
