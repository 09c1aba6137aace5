/**
 * Faults `kiln nightly` must survive, on the real local target (one tier, a tiny load shape): a bake whose
 * provisioning fails, a box that never becomes ready, a verify that times out, and the process SIGKILLed
 * while a box boots and while it is measured, then resumed, then janitor. Each asserts: nothing promoted
 * that was not verified, nothing left running, the ledger tells the truth. Faults go in through the Target interface around the real target.
 */
import { spawn } from 'node:child_process';
import { cp, link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog, findTier } from '../images/catalog.ts';
import { bake, listImages } from '../targets/local/index.ts';
import { REPO_ROOT } from '../targets/local/paths.ts';
import { localTarget } from '../targets/local/target.ts';
import { leftovers, TEST_STATE_DIR, testBundle } from '../targets/local/testing.ts';
import type { Target } from '../targets/target.ts';
import { readLedger, STEPS, type RunLedger } from './ledger.ts';
import { nightly } from './nightly.ts';

const stateDir = join(REPO_ROOT, `.kiln/nightly-test-${process.pid}`);
const real = localTarget({ stateDir });
const nano = findTier(buildCatalog(), 'nano');
const KNOBS = {
  shape: { warmupSec: 2, durationSec: 5, timeoutMs: 5000 },
  capacityBudgetSec: 0,
  baselineRepetitions: 3,
  readyTimeoutSec: 240,
  verifyTimeoutSec: 300,
};
const lines: string[] = [];
const boxesSeen = new Set<string>();
let bundleDir = '';

const run = (target: Target, knobs: Partial<typeof KNOBS> = {}) =>
  nightly({ target, tiers: [nano], findTier: () => nano, stateDir, knobs: { ...KNOBS, ...knobs }, log: (l) => lines.push(l) });

/** What every fault must leave: no box of the run on the host, no promotion, the ledger file = what was returned. */
async function assertClean(l: RunLedger): Promise<void> {
  for (const id of l.steps.nano!.launch.outputs.boxes ?? []) {
    boxesSeen.add(id);
    expect(await leftovers(id, stateDir)).toEqual([]);
  }
  expect(await real.promoted('nano')).toBeUndefined();
  expect(await readLedger(stateDir, l.runId)).toEqual(l);
  for (const s of STEPS) expect(l.steps.nano![s].state).not.toBe('running');
}

describe('kiln nightly under faults (local target, nano)', () => {
  beforeAll(async () => {
    // The image the nightly's own render bakes to, from the local target's shared test state (baked once, cached).
    const bundle = await testBundle();
    bundleDir = bundle.dir;
    const { ref } = await bake({ tier: 'nano', bundleDir: bundle.dir, stateDir: TEST_STATE_DIR });
    await mkdir(join(stateDir, 'images'), { recursive: true });
    for (const suffix of ['.tar.zst', '.json', '.user-data', '.render-manifest.json']) {
      await link(join(TEST_STATE_DIR, 'images', `${ref}${suffix}`), join(stateDir, 'images', `${ref}${suffix}`));
    }
  }, 600_000);

  afterAll(async () => {
    for (const id of boxesSeen) await real.destroy(id).catch(() => undefined);
    await rm(stateDir, { recursive: true, force: true });
    if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
  }, 300_000);

  it('a bake whose provisioning exits 1: bake failed, no image, later steps skipped, nothing promoted', async () => {
    const before = await listImages(stateDir);
    const broken: Target = {
      ...real,
      async bake(req) {
        const dir = join(stateDir, 'broken-bundle');
        await rm(dir, { recursive: true, force: true });
        await cp(req.bundleDir, dir, { recursive: true });
        await writeFile(
          join(dir, 'provision/provision.sh'),
          '#!/bin/bash\ntouch /etc/kiln-half-provisioned\necho "kiln test: provisioning stops halfway" >&2\nexit 1\n',
          { mode: 0o755 },
        );
        return real.bake({ ...req, bundleDir: dir });
      },
    };
    const r = await run(broken);
    const s = r.ledger.steps.nano!;
    expect(r.summary.exitCode).toBe(1);
    expect(s.render.state).toBe('done');
    expect(s.validate.state).toBe('done');
    expect(s.bake.state).toBe('failed');
    expect(s.bake.error).toMatch(/provisioning failed/);
    for (const x of ['launch', 'verify', 'destroy', 'promote'] as const) expect(s[x].state).toBe('skipped');
    expect(r.summary.tiers[0]).toMatchObject({ decision: 'failed', promotedRef: null });
    expect(await listImages(stateDir)).toEqual(before);
    await assertClean(r.ledger);
  }, 300_000);

  it('a box that never becomes ready: launch failed, torn down, nothing verified or promoted', async () => {
    const r = await run(real, { readyTimeoutSec: 2 });
    const s = r.ledger.steps.nano!;
    expect(r.summary.exitCode).toBe(1);
    expect(s.bake.state).toBe('done');
    expect(s.launch.state).toBe('failed');
    expect(s.launch.outputs.boxes).toHaveLength(1);
    expect(s.destroy.state).toBe('done');
    expect(s.verify.state).toBe('skipped');
    expect(s.promote.state).toBe('skipped');
    await assertClean(r.ledger);
  }, 300_000);

  it('a verify that times out: verify failed without a verdict, boxes destroyed, nothing promoted', async () => {
    const r = await run(real, { verifyTimeoutSec: 2 });
    const s = r.ledger.steps.nano!;
    expect(r.summary.exitCode).toBe(1);
    expect(s.launch.state).toBe('done');
    expect(s.verify.state).toBe('failed');
    expect(s.verify.error).toMatch(/did not finish within 2 s/);
    expect(s.verify.outputs.verdictPath).toBeUndefined();
    expect(s.destroy.state).toBe('done');
    expect(s.promote.state).toBe('skipped');
    await assertClean(r.ledger);
  }, 300_000);

  /** Starts `kiln nightly --tiers nano` and SIGTERMs it once its ledger satisfies `ready` (polled every 50 ms). */
  async function sigtermWhen(ready: (l: RunLedger) => boolean): Promise<{ code: number | null; at: RunLedger | undefined }> {
    const known = new Set(await readdir(join(stateDir, 'runs')).catch(() => [] as string[]));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'cli/cli.ts', 'nightly', '--state-dir', stateDir, '--load-sec', '5', '--capacity-sec', '0', '--tiers', 'nano'],
      { cwd: REPO_ROOT, stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    let l: RunLedger | undefined;
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline && child.exitCode === null && !(l && ready(l))) {
      const runId = (await readdir(join(stateDir, 'runs')).catch(() => [] as string[])).find((n) => !known.has(n));
      l = runId ? await readLedger(stateDir, runId).catch(() => undefined) : undefined;
      await new Promise((res) => setTimeout(res, 50));
    }
    child.kill('SIGTERM');
    return { code: await exited, at: l };
  }

  it('SIGTERM mid-launch: the launch in flight settles, then its box is destroyed; nothing is left for the janitor', async () => {
    // As soon as the ledger names the box: before the launch has started its processes.
    const { code, at } = await sigtermWhen((l) => Boolean(l.steps.nano!.launch.outputs.boxes?.length));
    expect(at?.steps.nano?.launch.state).toBe('running');
    expect(code).toBe(143);
    const [box] = (await readLedger(stateDir, at!.runId)).steps.nano!.launch.outputs.boxes!;
    boxesSeen.add(box!);
    expect(await leftovers(box!, stateDir)).toEqual([]);
  }, 300_000);

  it('SIGTERM mid-verify: the boxes are destroyed before it exits 143; the ledger shows the step it died in', async () => {
    const promotedBefore = await real.promoted('nano');
    const { code, at } = await sigtermWhen((l) => l.steps.nano!.verify.state === 'running');
    expect(at?.steps.nano?.verify.state).toBe('running');
    expect(code).toBe(143);
    const after = await readLedger(stateDir, at!.runId);
    const [box] = after.steps.nano!.launch.outputs.boxes!;
    boxesSeen.add(box!);
    expect(await leftovers(box!, stateDir)).toEqual([]);
    expect(after.steps.nano!.verify.state).toBe('running');
    expect(after.steps.nano!.promote.state).toBe('pending');
    expect(await real.promoted('nano')).toEqual(promotedBefore);
  }, 300_000);

  // Killed while its box boots (launch) and while it measures (verify): both leave a live box behind.
  it.each(['launch', 'verify'] as const)(
    'SIGKILLed at %s: the box outlives it, --resume destroys it, verifies again and promotes only a pass; janitor finds nothing',
    async (at) => {
      const cli = (args: string[]) =>
        spawn(
          process.execPath,
          ['--import', 'tsx', 'cli/cli.ts', 'nightly', '--state-dir', stateDir, '--load-sec', '5', '--capacity-sec', '0', ...args],
          { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
        );
      const promotedBefore = await real.promoted('nano');
      const known = new Set(await readdir(join(stateDir, 'runs')).catch(() => [] as string[]));
      const first = cli(['--tiers', 'nano']);
      let err = '';
      first.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
      });
      let runId: string | undefined;
      let l: RunLedger | undefined;
      const deadline = Date.now() + 240_000;
      const reached = async (x?: RunLedger) => {
        if (!x) return false;
        const step = x.steps.nano![at];
        const box = x.steps.nano!.launch.outputs.boxes?.[0];
        return step?.state === 'running' && box !== undefined && (await leftovers(box, stateDir)).length > 0;
      };
      while (Date.now() < deadline && first.exitCode === null) {
        runId ??= (await readdir(join(stateDir, 'runs')).catch(() => [] as string[])).find((n) => !known.has(n));
        l = runId ? await readLedger(stateDir, runId).catch(() => undefined) : undefined;
        if (await reached(l)) break;
        await new Promise((res) => setTimeout(res, 200));
      }
      expect(l?.steps.nano?.[at].state, err).toBe('running');
      first.kill('SIGKILL');
      await new Promise((res) => first.once('exit', res));
      const killed = await readLedger(stateDir, runId!);
      const [box] = killed.steps.nano!.launch.outputs.boxes!;
      boxesSeen.add(box!);
      expect(killed.steps.nano![at].state).toBe('running');
      expect(killed.steps.nano!.promote.state).toBe('pending');
      expect(await leftovers(box!, stateDir)).not.toEqual([]);

      const second = cli(['--resume', runId!]);
      let err2 = '';
      second.stderr!.on('data', (d: Buffer) => {
        err2 += d.toString();
      });
      const code = await new Promise<number | null>((res) => second.once('exit', res));
      expect([0, 1], err2).toContain(code);
      const done = await readLedger(stateDir, runId!);
      const s = done.steps.nano!;
      expect(done.attempts).toHaveLength(2);
      expect(done.finishedAt).toBeDefined();
      for (const x of STEPS) expect(['done', 'skipped']).toContain(s[x].state);
      expect(s.bake.outputs.imageRef).toBe(killed.steps.nano!.bake.outputs.imageRef);
      expect(s.launch.outputs.boxes).not.toContain(box);
      for (const id of s.launch.outputs.boxes ?? []) boxesSeen.add(id);
      for (const id of boxesSeen) expect(await leftovers(id, stateDir)).toEqual([]);
      expect(s.verify.state).toBe('done');
      const verdict = JSON.parse(await readFile(s.verify.outputs.verdictPath!, 'utf8')) as {
        decision: string;
        image: { ref: string };
        runId: string;
      };
      expect(verdict.runId).toBe(`${runId}-nano`);
      const promoted = await real.promoted('nano');
      if (verdict.decision === 'pass') {
        expect(code).toBe(0);
        expect(s.promote.state).toBe('done');
        expect(promoted?.ref).toBe(s.bake.outputs.imageRef);
        expect(verdict.image.ref).toBe(s.bake.outputs.imageRef);
      } else {
        expect(code).toBe(1);
        expect(s.promote.state).toBe('skipped');
        expect(promoted).toEqual(promotedBefore);
      }
      const report = (await real.janitor({ dryRun: false })) as { removed: string[]; left: string[] };
      for (const id of boxesSeen) expect(report.removed).not.toContain(id);
      expect(report.left).toEqual([]);
    },
    600_000,
  );
});
