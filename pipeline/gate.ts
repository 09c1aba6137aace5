/**
 * `kiln gate` as a flow: a new build of a team's app against its previous release, as images. The candidate is
 * baked as a release layer on the previous release's own base (so only the app differs), both images boot on
 * boxes of the tier, verify judges the candidate under the app's traffic with interleaved A/B against the previous
 * box (rank test + effect size on latency, and on each box's CPU per request read at the edges of every run) while
 * both boxes' memory is sampled over the same window, then the gate decides (gate-decision.ts).
 * A pass promotes the candidate on the app's channel. Fails closed: a box that does not boot, an app that does not
 * come up or any missing figure is exit 1 with the reason; a recipe or previous release that cannot be used is exit 2.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../images/errors.ts';
import type { Tier } from '../images/tiers.ts';
import { isCanary, type Recipe } from '../images/web.ts';
import { appOfLineage } from '../targets/channel.ts';
import { writeFileAtomic } from '../lib/fsutil.ts';
import type { BakedImage, Target } from '../targets/target.ts';
import type { MetricComparison } from '../verify/baseline.ts';
import { verifyCommand } from '../verify/command.ts';
import type { LoadShape } from '../verify/defaults.ts';
import { kilnVersion } from '../images/kiln-version.ts';
import { validateHost, type HostDescription } from '../model/host.ts';
import { stackUnits } from '../model/image-bundle.ts';
import { startMemorySampler } from '../verify/memory/sampler.ts';
import { summarizeMemory, type MemorySummary } from '../verify/memory/summary.ts';
import { seedBaseline } from '../verify/seed.ts';
import { SshSession } from '../verify/ssh.ts';
import { boxCpuReader, type CpuReader } from '../verify/box-cpu.ts';
import type { Remote } from '../verify/checks/types.ts';
import type { Verdict } from '../verify/verdict.ts';
import { appPayload } from './app-payload.ts';
import { withBoxes } from './boxes.ts';
import { gateHtml } from './gate-html.ts';
import { gateJunit } from './gate-junit.ts';
import { type BoxCpu, defaultPlacement, gateLoadRules, placedRunLoad, type GatePlacement, warmPreviousAlike } from './gate-load.ts';
import { compareMedians, type ObservedRun } from './gate-median.ts';
import { compareMemory, memoryPolicyFor, type MemoryComparison } from './gate-memory.ts';
import { compareCpu } from './gate-cpu.ts';
import { gateDecision, verifyPart } from './gate-decision.ts';
import { renderValidated } from './prepare.ts';
import { readProfile, profileKey, releaseKey, withProfile } from './release.ts';

export interface GateInput {
  tier: Tier;
  target: Target;
  /** Where measured app figures are kept (kiln nightly's --state-dir). */
  stateDir: string;
  /** The candidate: the recipe's app at its source as it is now. */
  recipe: Recipe;
  /** Explicit previous release image; default: the promoted release on the app's channel. */
  previousRef?: string;
  reportDir?: string;
  /** Load shape of the judged run and of each A/B repetition (capped at 15 s by verify). */
  shape?: LoadShape;
  repetitions?: number;
  /** Where boxes and the load generator run (default: defaultPlacement()). */
  placement?: GatePlacement;
  /** A send reached later than this counts as late (verify's default 10 ms); latency still counts from the intended time. */
  lateToleranceMs?: number;
  /** Secrets file for both boxes (local; e.g. DATABASE_URL of an external database). */
  secretsFile?: string;
  /** false: a pass is reported, never promoted (a pull request's build must not become the release deploy ships). */
  promote?: boolean;
  log?: (line: string) => void;
}

/** A pass becomes the app's release only when promotion is on, the candidate differs from the previous release (an A/A run changes nothing) and its verdict was written. */
export const promotionDue = (
  promote: boolean | undefined,
  candidateRef: string,
  previousRef: string,
  verdictPath: string | undefined,
): verdictPath is string => promote !== false && candidateRef !== previousRef && verdictPath !== undefined;

export interface GateImage {
  ref: string;
  app: string | null;
  sha256: string | null;
}

export interface GateResult {
  /** The kiln that ran the gate (package.json's version). */
  kilnVersion: string;
  decision: 'pass' | 'fail';
  exitCode: 0 | 1;
  reasons: string[];
  tier: string;
  /** The app's release channel (`<tier>.<app>`). */
  channel: string;
  /** The base image both releases are layers on. */
  baseRef: string;
  candidate: GateImage & { bakeSec: number; reused: boolean };
  previous: GateImage & { source: 'flag' | 'promoted' };
  latency: NonNullable<Verdict['baseline']>['comparison'];
  /** Median latency A/B from the same repetitions (verify compares the tail only). */
  latencyMedian: MetricComparison | null;
  /** CPU milliseconds per request A/B from the same repetitions (each box's CPU read at the edges of its runs). */
  cpu: MetricComparison | null;
  memory: MemoryComparison | null;
  verdictDecision: Verdict['decision'] | null;
  /** The candidate became the app's release on the tier. */
  promoted: boolean;
  wallSec: number;
  /** gate.json, gate.html and gate-junit.xml (the gate's A/B per metric), beside verify's verdict, report and JUnit. */
  report: { gate: string; gateHtml?: string; gateJunit?: string; verdict?: string; html?: string; junit?: string } | null;
}

/** A/B pairs per gate: the fewest at which the one-sided rank test at 0.05 can reject. */
export const GATE_REPETITIONS = 5;
/**
 * 2 s warm-up + 10 s per run: a gate of ~2.5 min on nano (12 runs and the boxes' boot). At 5 + 15 s one took 260 s, over
 * the 3 minutes a pre-release gate may take; docs/benchmarks.md (gate power) has how often the shorter runs are right.
 * An app served at a few requests per second wants longer runs for its p99 (--duration-sec).
 */
export const GATE_SHAPE: LoadShape = { warmupSec: 2, durationSec: 10, timeoutMs: 5000 };

const imageOf = (i: BakedImage): GateImage => {
  const app = i.bundle?.manifest.app;
  return { ref: i.ref, app: appOfLineage(i.lineage), sha256: app && app.kind !== 'canary' ? app.sha256 : null };
};

/** The previous release: named, or promoted on the app's channel; it must be this app on this tier, on a base, with its bundle. */
export async function previousRelease(
  target: Target,
  tier: Tier,
  recipe: Recipe,
  flag?: string,
): Promise<{ image: BakedImage; source: 'flag' | 'promoted'; baseRef: string }> {
  const channel = releaseKey(tier, recipe);
  let ref = flag;
  if (!ref) {
    const p = await target.promoted(channel);
    if (!p)
      throw new InputError(
        '--recipe',
        recipe.app.name,
        `an app with a promoted release on tier ${tier.name} (channel ${channel} on ${target.name} has none)`,
        `release it first: kiln nightly --tiers ${tier.name} --recipe FILE, or pass --previous REF`,
      );
    ref = p.ref;
  }
  const image = await target.image(ref);
  const field = flag ? '--previous' : 'previous release';
  if (image.tier !== tier.name)
    throw new InputError(field, ref, `an image of tier ${tier.name} (it is ${image.tier}'s)`, 'gate against a release of the same tier');
  if (appOfLineage(image.lineage) !== recipe.app.name)
    throw new InputError(
      field,
      ref,
      `a release of app ${recipe.app.name} (it carries ${appOfLineage(image.lineage) ?? 'no app: a base image'})`,
      'pass a release image of this app',
    );
  const baseRef = image.lineage.layers?.find((l) => l.kind === 'base')?.ref;
  if (!baseRef)
    throw new InputError(
      field,
      ref,
      'a release layered on a base image (its lineage names none)',
      'release the app with kiln nightly --recipe first',
    );
  if (!image.bundle)
    throw new InputError(
      field,
      ref,
      'an image whose bundle this machine keeps',
      'gate where the previous release was baked, or release it again',
    );
  return { image, source: flag ? 'flag' : 'promoted', baseRef };
}

/** A CPU reader per box, keyed by its address (the load spec's host); a whole machine's over its own SSH session. */
async function boxCpuReaders(hosts: readonly HostDescription[]): Promise<{ read: BoxCpu; close: () => void }> {
  const sessions: SshSession[] = [];
  const readers = new Map<string, CpuReader>();
  for (const h of hosts) {
    let remote: Remote = { exec: () => Promise.reject(new Error('no SSH session for the CPU reading')) };
    if (!h.cpuacctCgroupPath) {
      const s = await SshSession.connect(h).catch(() => null);
      if (s) {
        sessions.push(s);
        remote = s;
      }
    }
    readers.set(h.address, boxCpuReader(h, remote));
  }
  return {
    read: async (address) => (await readers.get(address)?.()) ?? null,
    close: () => {
      for (const s of sessions) s.close();
    },
  };
}

/** Upper bound of one sampling window; the gate ends both samplers as soon as verify is done. */
const MAX_SAMPLE_SEC = 1800;

/**
 * Samples one box's memory over SSH (the box's own view, so both boxes are read the same way on any target) until
 * `stop` resolves: closing the session ends the remote loop, so both windows end with verify.
 */
async function sampleBox(
  host: HostDescription,
  units: readonly string[],
  stop: Promise<unknown>,
): Promise<{ summary: MemorySummary | null; errors: string[] }> {
  let session: SshSession;
  try {
    session = await SshSession.connect(host);
  } catch (e) {
    return { summary: null, errors: [`memory sampler ssh: ${(e as Error).message}`] };
  }
  const run = startMemorySampler(session, { durationSec: MAX_SAMPLE_SEC }).done;
  void stop.finally(() => session.close());
  const s = await run.finally(() => session.close());
  return { summary: s.remote.length ? summarizeMemory(s, units) : null, errors: s.errors.filter((e) => !/ended with exit null/.test(e)) };
}

/** Bakes the candidate as a layer on `baseRef`, tuned like the previous release unless this build's own figures were measured. */
async function bakeCandidate(
  input: GateInput,
  prev: BakedImage,
  baseRef: string,
  log: (line: string) => void,
): Promise<{ image: BakedImage; bakeSec: number }> {
  const { target, tier, recipe } = input;
  const payload = appPayload(recipe)!;
  const stored = await readProfile(input.stateDir, profileKey(payload, tier, target.distro));
  const figures = stored?.profile ?? prev.bundle!.manifest.recipe.app;
  const tuned = withProfile(recipe, figures);
  // A fresh CI runner has no state dir yet.
  await mkdir(input.stateDir, { recursive: true });
  const work = await mkdtemp(join(input.stateDir, 'gate-bundle-'));
  try {
    const dir = await renderValidated(join(work, 'bundle'), tier, tuned, target.distro, payload);
    const t0 = Date.now();
    const image = await target.bake({ tier, bundleDir: dir, base: baseRef, log });
    return { image, bakeSec: Math.round((Date.now() - t0) / 100) / 10 };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function runGate(input: GateInput): Promise<GateResult> {
  const t0 = Date.now();
  const log = input.log ?? (() => {});
  const { tier, target, recipe } = input;
  if (isCanary(recipe))
    throw new InputError(
      '--recipe',
      null,
      "a recipe whose app has a source (the gate compares builds of a team's app)",
      'pass --recipe kiln.yaml',
    );
  const prev = await previousRelease(target, tier, recipe, input.previousRef);
  log(
    `gate ${tier.name}: ${recipe.app.name} at its source vs the previous release ${prev.image.ref} (${prev.source}), both on ${prev.baseRef}`,
  );
  const { image: cand, bakeSec } = await bakeCandidate(input, prev.image, prev.baseRef, log);
  const shape = input.shape ?? GATE_SHAPE;
  const reps = input.repetitions ?? GATE_REPETITIONS;
  const result: GateResult = {
    kilnVersion: kilnVersion(),
    decision: 'fail',
    exitCode: 1,
    reasons: [],
    tier: tier.name,
    channel: releaseKey(tier, recipe),
    baseRef: prev.baseRef,
    candidate: { ...imageOf(cand), bakeSec, reused: cand.reused },
    previous: { ...imageOf(prev.image), source: prev.source },
    latency: null,
    latencyMedian: null,
    cpu: null,
    memory: null,
    verdictDecision: null,
    promoted: false,
    wallSec: 0,
    report: null,
  };
  if (cand.ref === prev.image.ref) log(`the candidate is the previous release's image (same inputs): an A/A comparison`);
  const place = input.placement ?? defaultPlacement();
  const units = stackUnits(cand.bundle!);
  const tag = randomBytes(3).toString('hex');
  // A pass is promoted from its verdict file: without --report the verify files go under the state dir.
  const reportDir = input.reportDir ?? join(input.stateDir, 'gates', `${tier.name}-${tag}`);
  const boxes = [
    { ref: cand.ref, id: `g${tag}c` },
    { ref: prev.image.ref, id: `g${tag}p` },
  ].map((b) => ({ ...b, tier, cpus: place.boxCpus, readyTimeoutSec: 240, secretsFile: input.secretsFile }));
  let verdictPath: string | undefined;
  const others: string[] = [];
  let verifyDecision: 'pass' | 'fail' | null = null;
  await withBoxes(
    target,
    boxes,
    async (raw) => {
      const [c, p] = raw.map((r) => validateHost(r));
      const seeded = await seedBaseline(p, prev.image.bundle);
      if (seeded) {
        others.push(seeded);
        return;
      }
      let verifyDone!: () => void;
      const stop = new Promise<void>((resolve) => {
        verifyDone = resolve;
      });
      const sampling = Promise.all([sampleBox(c, units, stop), sampleBox(p, units, stop)]);
      const cpu = await boxCpuReaders([c, p]);
      const runs: ObservedRun[] = [];
      const previousHttp = { host: p.address, port: 80 };
      const verified = await verifyCommand({
        host: c,
        tier,
        target: target.name,
        imageRef: cand.ref,
        lineage: cand.lineage,
        bundle: cand.bundle,
        baselineRequired: true,
        baselineTarget: previousHttp,
        baselineRepetitions: reps,
        shape,
        runLoad: placedRunLoad(place),
        decorateLoad: warmPreviousAlike(
          gateLoadRules(log, input.lateToleranceMs, (r) => runs.push(r), cpu.read),
          c.address,
          {
            host: p.address,
            port: 80,
          },
        ),
        reportDir: join(reportDir, 'verify'),
        log,
        extras: { manifest: cand.manifestFiles },
      }).finally(() => {
        verifyDone();
        cpu.close();
      });
      const [cm, pm] = await sampling;
      const v = verified.verdict;
      result.verdictDecision = v.decision;
      result.latency = v.baseline.comparison;
      result.latencyMedian = v.baseline.comparison ? compareMedians(runs, c.address, p.address) : null;
      result.cpu = v.baseline.comparison ? compareCpu(runs, c.address, p.address) : null;
      result.memory = compareMemory(cm.summary, pm.summary, units, memoryPolicyFor(tier.ramMiB));
      const verifyOwn = verifyPart(v);
      verifyDecision = verifyOwn.decision;
      others.push(...verifyOwn.reasons);
      for (const e of [...cm.errors, ...pm.errors]) log(`memory sampler: ${e}`);
      if (verified.files) {
        result.report = { gate: '', ...verified.files };
        verdictPath = verified.files.verdict;
      }
    },
    { log },
  ).catch((e: Error) => {
    // A box that did not boot, or did not go away: the gate has no trustworthy answer.
    others.push(`boxes: ${e.message}`);
  });
  const decided = gateDecision({ ...result, verdictDecision: verifyDecision }, others);
  result.reasons = decided.reasons;
  if (decided.decision === 'pass') {
    result.decision = 'pass';
    result.exitCode = 0;
    // The passing build becomes the app's release on the tier (deploy ships it), unless the caller only asked.
    if (promotionDue(input.promote, cand.ref, prev.image.ref, verdictPath)) {
      await target.promote({ verdictPath });
      result.promoted = true;
    }
  }
  result.wallSec = Math.round((Date.now() - t0) / 100) / 10;
  const gate = join(reportDir, 'gate.json');
  const page = join(reportDir, 'gate.html');
  const junit = join(reportDir, 'gate-junit.xml');
  result.report = { ...(result.report ?? {}), gate, gateHtml: page, gateJunit: junit };
  await writeFileAtomic(gate, `${JSON.stringify(result, null, 2)}\n`);
  await writeFileAtomic(page, gateHtml(result));
  await writeFileAtomic(junit, gateJunit(result));
  return result;
}
