/**
 * `kiln gate` end to end on real local boxes, with a team's app that nobody here wrote (a site from Django's own
 * project template): a nano base image baked, verified and promoted in a test-owned state dir; the site released
 * on it (a release layer, verified, promoted on channel nano.mysite); then a rebuild of the site (pass, promoted),
 * a build whose login view waits 20 ms (exit 1, latency; the release stays), and bad input (exit 2, nothing booted).
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slowLogin, startprojectSite } from '../bench/apps/startproject.ts';
import { buildCatalog, findTier } from '../images/catalog.ts';
import { bake } from '../targets/local/bake.ts';
import { REPO_ROOT } from '../targets/local/paths.ts';
import { localTarget } from '../targets/local/target.ts';
import { TEST_STATE_DIR, testBundle } from '../targets/local/testing.ts';
import { verifyCommand } from '../verify/command.ts';
import { validateHost } from '../model/host.ts';
import { defaultPlacement, gateRunLoad } from './gate-load.ts';

let stateDir = '';
let work = '';
let site = '';
const nano = findTier(buildCatalog(), 'nano');
// This host is shared with other jobs: a Node timer can wake 15-650 ms late (verify/load/README), so the tests
// allow 50 ms before a send counts as late; latency is still measured from the intended send time.
const LATE_MS = 50;
// Short phases: 5 s judged run and 5 s per A/B repetition (the policy's minimum of 5 pairs still applies).
const QUICK = ['--duration-sec', '5', '--warmup-sec', '1', '--late-tolerance-ms', String(LATE_MS)];

const kiln = (args: string[]) =>
  execa('npx', ['tsx', 'cli/cli.ts', ...args, '--state-dir', stateDir], { cwd: REPO_ROOT, reject: false, timeout: 900_000 });

async function gate(args: string[], tier = 'nano') {
  const r = await kiln(['gate', '--tier', tier, '--json', ...args]);
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
        host,
        tier: nano,
        target: 'local',
        imageRef: ref,
        lineage: image.lineage,
        bundle: image.bundle,
        baselineRequired: false,
        runLoad: gateRunLoad(place, undefined, LATE_MS),
        shape: { warmupSec: 2, durationSec: 5, timeoutMs: 5000 },
        extras: { manifest: image.manifestFiles },
        reportDir: join(work, `promote-${ref}-${attempt}`),
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
  throw new Error(`image ${ref} did not pass verification: ${reasons.join('; ')}`);
}

describe('kiln gate', () => {
  beforeAll(async () => {
    const ref = (await bake({ tier: 'nano', bundleDir: (await testBundle()).dir, stateDir: TEST_STATE_DIR })).ref;
    await mkdir(join(REPO_ROOT, '.kiln'), { recursive: true });
    stateDir = await mkdtemp(join(REPO_ROOT, '.kiln/gate-test-'));
    work = await mkdtemp(join(REPO_ROOT, '.kiln/gate-work-'));
    await mkdir(join(stateDir, 'images'));
    for (const n of await readdir(join(TEST_STATE_DIR, 'images'))) {
      if (n.startsWith(`${ref}.`) && !n.endsWith('.root'))
        await cp(join(TEST_STATE_DIR, 'images', n), join(stateDir, 'images', n), { recursive: true });
    }
    await verifyAndPromote(ref);
    // The app's first release: a layer on the promoted base, verified and promoted on its own channel.
    site = join(work, 'site');
    const recipe = await startprojectSite(site);
    const baked = await kiln(['bake', '--target', 'local', '--tier', 'nano', '--recipe', recipe, '--json']);
    expect(baked.exitCode, baked.stderr.slice(-3000)).toBe(0);
    await verifyAndPromote(JSON.parse(baked.stdout).ref);
    expect((await localTarget({ stateDir }).promoted('nano.mysite'))?.ref).toBe(JSON.parse(baked.stdout).ref);
  }, 1_200_000);
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
  });

  it('bad input exits 2 before anything boots', async () => {
    const huge = await gate(['--recipe', join(site, 'kiln.yaml')], 'huge');
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/--tier = "huge".*known: nano/);
    const canary = join(work, 'canary.yaml');
    await writeFile(canary, 'app:\n  env: { A: "1" }\n');
    const other = join(work, 'other');
    const otherRecipe = await startprojectSite(other, { name: 'othersite' });
    const cases: [string[], RegExp][] = [
      [[], /--recipe = null: is required/],
      [['--recipe', canary], /--recipe = null: a recipe whose app has a source/],
      [['--recipe', otherRecipe], /--recipe = "othersite": an app with a promoted release on tier nano \(channel nano\.othersite/],
      [['--recipe', join(site, 'kiln.yaml'), '--previous', 'local-00000000000000000000'], /image = "local-0{20}"/],
    ];
    for (const [args, message] of cases) {
      const r = await gate(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(join(stateDir, 'instances')) ? await readdir(join(stateDir, 'instances')) : []).toEqual([]);
  }, 300_000);

  it('passes a rebuild of the app, writes the report and promotes the rebuild as the release', async () => {
    const rebuild = join(work, 'rebuild');
    await cp(site, rebuild, { recursive: true });
    await writeFile(join(rebuild, 'mysite/settings.py'), '# rebuilt\n', { flag: 'a' });
    const before = (await localTarget({ stateDir }).promoted('nano.mysite'))!.ref;
    const report = join(work, 'report-pass');
    const r = await gate(['--recipe', join(rebuild, 'kiln.yaml'), '--report', report, ...QUICK]);
    expect(r.code, `${r.doc?.reasons?.join('\n')}\n${r.stderr.slice(-3000)}`).toBe(0);
    expect(r.doc).toMatchObject({
      decision: 'pass',
      tier: 'nano',
      channel: 'nano.mysite',
      previous: { source: 'promoted', ref: before, app: 'mysite' },
      promoted: true,
    });
    expect(r.doc.candidate.ref).not.toBe(before);
    expect(r.doc.latency.metrics.map((m: { outcome: string }) => m.outcome)).toEqual(['ok', 'ok']);
    expect(r.doc.memory.outcome).toBe('pass');
    // Each box's CPU was read around every A/B run (its cpuacct cgroup): a figure per repetition on both sides.
    expect(r.doc.cpu).toMatchObject({ metric: 'cpuMsPerRequest', outcome: 'ok' });
    for (const side of [r.doc.cpu.baseline, r.doc.cpu.candidate])
      expect(side.every((x: unknown) => typeof x === 'number' && x > 0)).toBe(true);
    expect(JSON.parse(await readFile(join(report, 'gate.json'), 'utf8')).decision).toBe('pass');
    expect(existsSync(join(report, 'verify/report.html'))).toBe(true);
    expect(r.doc.report.gateJunit).toBe(join(report, 'gate-junit.xml'));
    expect(await readFile(join(report, 'gate-junit.xml'), 'utf8')).toMatch(
      /<testcase classname="kiln.latency" name="p50Ms"[^>]*><system-out>/,
    );
    expect(await readFile(join(report, 'gate.html'), 'utf8')).toMatch(
      /kiln gate: <span class="pass">pass<\/span>[\s\S]*<td>p50Ms<\/td>[\s\S]*servicesPssPeakMiB/,
    );
    expect((await localTarget({ stateDir }).promoted('nano.mysite'))!.ref).toBe(r.doc.candidate.ref);
  }, 900_000);

  it('fails a build whose login view waits 20 ms, naming latency, and keeps the release', async () => {
    const slow = join(work, 'slow');
    await cp(site, slow, { recursive: true });
    await slowLogin(slow, 'mysite', 20);
    const before = (await localTarget({ stateDir }).promoted('nano.mysite'))!.ref;
    const r = await gate(['--recipe', join(slow, 'kiln.yaml'), '--report', join(work, 'report-slow'), ...QUICK]);
    expect(r.code, r.stderr.slice(-3000)).toBe(1);
    expect(r.doc).toMatchObject({ decision: 'fail', promoted: false, previous: { source: 'promoted' } });
    expect(r.doc.reasons.join('\n')).toMatch(/latency regression vs the previous release: p(50|95|99)Ms/);
    expect((await localTarget({ stateDir }).promoted('nano.mysite'))!.ref).toBe(before);
  }, 900_000);
});
