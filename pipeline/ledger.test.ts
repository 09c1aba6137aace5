/** The run ledger's transitions (pure) and its file (atomic, readable by --resume), and the summary's decision. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../images/errors.ts';
import {
  failStep,
  finishStep,
  interrupted,
  Ledger,
  ledgerPath,
  newLedger,
  newRunId,
  noteStep,
  readLedger,
  resetStep,
  RUN_ID_PATTERN,
  skipStep,
  startStep,
  STEPS,
  undestroyedBoxes,
} from './ledger.ts';
import { decide, summarize } from './summary.ts';

const t = (s: number) => new Date(Date.UTC(2026, 0, 2, 3, 4, s));
const fresh = () => newLedger('20260102T030400Z-ab12', 'local', ['nano', 'micro'], '/out', t(0));
const dirs: string[] = [];

describe('run ledger', () => {
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('starts every step of every tier pending, and run ids sort by time', () => {
    const l = fresh();
    expect(Object.keys(l.steps)).toEqual(['nano', 'micro']);
    for (const s of STEPS) expect(l.steps.nano![s]).toEqual({ state: 'pending', outputs: {} });
    expect(newRunId(t(5))).toMatch(RUN_ID_PATTERN);
    expect(newRunId(t(5)) < newRunId(t(6))).toBe(true);
  });

  it('records running -> done with elapsed seconds and merged outputs, leaving the input untouched', () => {
    const l0 = fresh();
    const l1 = startStep(l0, 'nano', 'bake', t(1));
    const l2 = finishStep(l1, 'nano', 'bake', t(13), { imageRef: 'local-x', reused: false });
    expect(l0.steps.nano!.bake.state).toBe('pending');
    expect(l1.steps.nano!.bake).toMatchObject({ state: 'running', startedAt: t(1).toISOString() });
    expect(l2.steps.nano!.bake).toMatchObject({ state: 'done', elapsedSec: 12, outputs: { imageRef: 'local-x', reused: false } });
    expect(l2.steps.micro!.bake.state).toBe('pending');
    expect(l2.updatedAt).toBe(t(13).toISOString());
  });

  it('keeps box ids noted during a launch, and reports them undestroyed until destroy is done', () => {
    let l = startStep(fresh(), 'nano', 'launch', t(1), { boxes: [] });
    l = noteStep(l, 'nano', 'launch', { boxes: ['abc'] }, t(2));
    l = noteStep(l, 'nano', 'launch', { boxes: ['abc', 'abd'] }, t(3));
    expect(l.steps.nano!.launch.state).toBe('running');
    expect(undestroyedBoxes(l, 'nano')).toEqual(['abc', 'abd']);
    expect(interrupted(l)).toEqual([{ tier: 'nano', step: 'launch', record: l.steps.nano!.launch }]);
    l = failStep(l, 'nano', 'launch', 'box abc not ready', t(9));
    expect(l.steps.nano!.launch).toMatchObject({ state: 'failed', error: 'box abc not ready', outputs: { boxes: ['abc', 'abd'] } });
    expect(undestroyedBoxes(l, 'nano')).toEqual(['abc', 'abd']);
    l = finishStep(startStep(l, 'nano', 'destroy', t(10)), 'nano', 'destroy', t(12));
    expect(undestroyedBoxes(l, 'nano')).toEqual([]);
    expect(interrupted(l)).toEqual([]);
  });

  it('skips and resets', () => {
    let l = skipStep(fresh(), 'micro', 'promote', 'rejected', t(1));
    expect(l.steps.micro!.promote).toMatchObject({ state: 'skipped', outputs: { note: 'rejected' } });
    l = resetStep(l, 'micro', 'promote', t(2));
    expect(l.steps.micro!.promote).toEqual({ state: 'pending', outputs: {} });
    expect(() => startStep(l, 'large', 'bake', t(3))).toThrow(/no tier large/);
  });

  it('is written atomically after every update and read back by --resume', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-ledger-'));
    dirs.push(dir);
    const ledger = new Ledger(dir, fresh());
    // Parallel renders update one ledger: every transition must survive, in order.
    await Promise.all([
      ledger.update((l, now) => startStep(l, 'nano', 'render', now)),
      ledger.update((l, now) => startStep(l, 'micro', 'render', now)),
      ledger.update((l, now) => finishStep(l, 'nano', 'render', now, { bundleDir: '/out/nano/bundle' })),
    ]);
    const back = await readLedger(dir, '20260102T030400Z-ab12');
    expect(back.steps.nano!.render).toMatchObject({ state: 'done', outputs: { bundleDir: '/out/nano/bundle' } });
    expect(back.steps.micro!.render.state).toBe('running');
    expect(await readdir(join(dir, 'runs', back.runId))).toEqual(['ledger.json']);
    expect(ledgerPath(dir, back.runId)).toBe(join(dir, 'runs', back.runId, 'ledger.json'));
  });

  it('refuses an unknown or malformed run id as bad input', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-ledger-'));
    dirs.push(dir);
    await expect(readLedger(dir, '../etc')).rejects.toBeInstanceOf(InputError);
    await expect(readLedger(dir, '20260102T030400Z-ffff')).rejects.toThrow(/a run with a ledger/);
  });
});

describe('summary decision', () => {
  const steps = (f: (l: ReturnType<typeof fresh>) => ReturnType<typeof fresh>) => f(fresh()).steps.nano!;
  it('promoted only when promote is done; held when the promote step says so', () => {
    expect(decide(steps((l) => finishStep(l, 'nano', 'promote', t(1), { promotedRef: 'local-a' }))).decision).toBe('promoted');
    expect(decide(steps((l) => finishStep(l, 'nano', 'promote', t(1), { note: 'held: already the promoted image' }))).decision).toBe(
      'held',
    );
  });
  it('a failed step wins, naming the step; a fail verdict is rejected; anything unfinished is incomplete', () => {
    expect(decide(steps((l) => failStep(l, 'nano', 'bake', 'provisioning failed (exit 1)\nlog…', t(1))))).toEqual({
      decision: 'failed',
      reason: 'bake failed: provisioning failed (exit 1)',
    });
    expect(decide(steps((l) => finishStep(l, 'nano', 'verify', t(1), { decision: 'fail' }))).decision).toBe('rejected');
    expect(decide(steps((l) => startStep(l, 'nano', 'verify', t(1))))).toEqual({ decision: 'incomplete', reason: 'render is pending' });
  });
  it('the summary records the kiln that wrote it', () => {
    expect(summarize(fresh(), '/state/runs/x/ledger.json', '1.4.2').kilnVersion).toBe('1.4.2');
  });
});
