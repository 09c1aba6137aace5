/**
 * `kiln gate` end to end on real local boxes: a nano image baked, verified and promoted in a test-owned state dir,
 * then the canary against itself (pass, recorded as the previous release), a +20 ms candidate (exit 1, latency),
 * and bad input (exit 2, nothing booted).
 */
import { cp, link, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog, findTier } from '../../images/catalog.ts';
import { bake } from '../../targets/local/bake.ts';
import { REPO_ROOT } from '../../targets/local/paths.ts';
import { localTarget } from '../../targets/local/target.ts';
import { TEST_STATE_DIR, testBundle } from '../../targets/local/testing.ts';
import { verifyCommand } from '../../verify/command.ts';
import { validateHost } from '../../verify/host.ts';
import { CANARY_DIR } from './app-build.ts';
import { defaultPlacement, gateRunLoad } from './gate-load.ts';
import { releasePath } from './releases.ts';

let stateDir = '';
let work = '';
const nano = findTier(buildCatalog(), 'nano');
// This host is shared with other jobs: a Node timer can wake 15-650 ms late (verify/load/README), so the tests
// allow 50 ms before a send counts as late; latency is still measured from the intended send time.
const LATE_MS = 50;
// Short phases: 5 s judged run and 5 s per A/B repetition (the policy's minimum of 5 pairs still applies).
const QUICK = ['--duration-sec', '5', '--warmup-sec', '1', '--late-tolerance-ms', String(LATE_MS)];

async function gate(args: string[], tier = 'nano') {
  const r = await execa('npx', ['tsx', 'scripts/cli.ts', 'gate', '--tier', tier, '--state-dir', stateDir, '--json', ...args], { cwd: REPO_ROOT, reject: false, timeout: 600_000 });
  return { code: r.exitCode, stdout: r.stdout, doc: r.stdout ? JSON.parse(r.stdout) : null, stderr: r.stderr };
}

/** Launch, verify for real, promote only a passing verdict (twice at most: a loaded host can void a run). */
async function verifyAndPromote(ref: string): Promise<void> {
  const target = localTarget({ stateDir });
  const image = await target.image(ref);
  const place = defaultPlacement();
  let reasons: string[] = [];
  for (let attempt = 1; attempt <= 2; attempt++) {
    const id = `gtv${process.pid % 10000}${attempt}`;
    try {
      const host = validateHost(await target.launch({ ref, tier: nano, id, cpus: place.boxCpus, readyTimeoutSec: 240 }));
      const r = await verifyCommand({
        host, tier: nano, target: 'local', imageRef: ref, lineage: image.lineage, bundle: image.bundle, baselineRequired: false, runLoad: gateRunLoad(place, undefined, LATE_MS),
        shape: { warmupSec: 2, durationSec: 5, timeoutMs: 5000 }, extras: { manifest: image.manifestFiles }, reportDir: join(work, `promote-${attempt}`),
      });
      reasons = r.verdict.reasons;
      if (r.verdict.decision === 'pass') {
        await target.promote({ verdictPath: r.files!.verdict });
        return;
      }
    } finally {
      await target.destroy(id).catch(() => undefined);
    }
  }
  throw new Error(`the nano image did not pass verification, nothing to gate against: ${reasons.join('; ')}`);
}

describe('kiln gate', () => {
  beforeAll(async () => {
    const ref = (await bake({ tier: 'nano', bundleDir: (await testBundle()).dir, stateDir: TEST_STATE_DIR })).ref;
    await mkdir(join(REPO_ROOT, '.kiln'), { recursive: true });
    stateDir = await mkdtemp(join(REPO_ROOT, '.kiln/gate-test-'));
    work = await mkdtemp(join(REPO_ROOT, '.kiln/gate-work-'));
    await mkdir(join(stateDir, 'images'));
    for (const n of await readdir(join(TEST_STATE_DIR, 'images'))) {
      if (n.startsWith(`${ref}.`) && !n.endsWith('.root')) await link(join(TEST_STATE_DIR, 'images', n), join(stateDir, 'images', n));
    }
    await verifyAndPromote(ref);
  }, 600_000);
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
  });

  it('bad input exits 2 before anything boots', async () => {
    const notWheel = join(work, 'app.zip');
    await writeFile(notWheel, 'not a wheel');
    const huge = await gate([], 'huge');
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/--tier = "huge".*known: nano/);
    const cases: [string[], RegExp][] = [
      [['--app', join(work, 'missing')], /--app = .*nothing exists/],
      [['--app', notWheel], /--app = .*not a wheel file name/],
      [['--previous', work], /--previous = .*no manage\.py/],
      [['--image', 'local-00000000000000000000'], /image = "local-0{20}"/],
    ];
    for (const [args, message] of cases) {
      const r = await gate(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(join(stateDir, 'instances')) ? await readdir(join(stateDir, 'instances')) : []).toEqual([]);
  }, 120_000);

  it('passes the canary against itself, writes the report and records the previous release', async () => {
    const report = join(work, 'report-pass');
    const r = await gate(['--report', report, ...QUICK]);
    expect(r.code, `${r.doc?.reasons?.join('\n')}\n${r.stderr.slice(-3000)}`).toBe(0);
    expect(r.doc).toMatchObject({ decision: 'pass', tier: 'nano', previous: { source: 'canary' }, recorded: true });
    expect(r.doc.latency.metrics.map((m: { outcome: string }) => m.outcome)).toEqual(['ok', 'ok']);
    expect(r.doc.memory.outcome).toBe('pass');
    const gateDoc = JSON.parse(await readFile(join(report, 'gate.json'), 'utf8'));
    expect(gateDoc.decision).toBe('pass');
    expect(existsSync(join(report, 'verify/report.html'))).toBe(true);
    expect(await readFile(join(report, 'gate.html'), 'utf8')).toMatch(/kiln gate: <span class="pass">pass<\/span>[\s\S]*<td>p50Ms<\/td>[\s\S]*servicesPssPeakMiB/);
    const rec = JSON.parse(await readFile(releasePath(stateDir, 'nano'), 'utf8'));
    expect(rec.build.sha256).toBe(r.doc.candidate.sha256);
    expect(existsSync(rec.build.path)).toBe(true);
  }, 600_000);

  it('fails a candidate that adds 20 ms to a view, naming latency, and keeps the previous release', async () => {
    const slow = join(work, 'canary-slow');
    await cp(CANARY_DIR, slow, { recursive: true });
    const views = join(slow, 'kiln_canary/views.py');
    const text = await readFile(views, 'utf8');
    const patched = text.replace('def health(_request):\n', 'def health(_request):\n    time.sleep(0.02)\n');
    expect(patched).not.toBe(text);
    await writeFile(views, patched.includes('import time') ? patched : `import time\n${patched}`);
    const before = await readFile(releasePath(stateDir, 'nano'), 'utf8').catch(() => 'none');
    const r = await gate(['--app', slow, '--previous', CANARY_DIR, '--report', join(work, 'report-slow'), ...QUICK]);
    expect(r.code, r.stderr.slice(-3000)).toBe(1);
    expect(r.doc).toMatchObject({ decision: 'fail', recorded: false, previous: { source: 'flag' } });
    expect(r.doc.reasons.join('\n')).toMatch(/latency regression vs the previous release: p(50|95|99)Ms/);
    expect(await readFile(releasePath(stateDir, 'nano'), 'utf8').catch(() => 'none')).toBe(before);
  }, 600_000);
});
