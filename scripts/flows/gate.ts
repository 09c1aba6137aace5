/**
 * `kiln gate` as a flow: boot the tier's promoted image twice, install the candidate app build on one box and the
 * previous release on the other, verify the candidate with interleaved A/B against the previous box (rank test +
 * effect size, in verifyCommand) while both boxes' memory is sampled over the same window, then decide. Fails
 * closed: an unbootable box, an app that does not come up, or any missing figure is exit 1 with the reason.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DISTROS } from '../../images/distro.ts';
import { InputError } from '../../images/errors.ts';
import { APP_ROOT } from '../../images/files/app.ts';
import { APP_UNIT } from '../../images/files/gunicorn.ts';
import { render } from '../../images/render.ts';
import type { Tier } from '../../images/tiers.ts';
import { WEB } from '../../images/web.ts';
import type { BakedImage, Target } from '../../targets/target.ts';
import { writeFileAtomic } from '../../targets/local/fsutil.ts';
import { verifyCommand } from '../../verify/command.ts';
import type { LoadShape } from '../../verify/defaults.ts';
import { validateHost, type HostDescription } from '../../verify/host.ts';
import { startMemorySampler } from '../../verify/memory/sampler.ts';
import { summarizeMemory, type MemorySummary } from '../../verify/memory/summary.ts';
import { SshSession } from '../../verify/ssh.ts';
import type { Verdict } from '../../verify/verdict.ts';
import { CANARY_DIR, resolveAppBuild, type AppBuild } from './app-build.ts';
import { installApp } from './app-install.ts';
import { defaultPlacement, gateRunLoad, type GatePlacement } from './gate-load.ts';
import { compareMedians, type ObservedRun } from './gate-median.ts';
import { compareMemory, type MemoryComparison } from './gate-memory.ts';
import type { MetricComparison } from '../../verify/baseline.ts';
import { previousRelease, recordRelease } from './releases.ts';
import { withBoxes } from './boxes.ts';
import { gateHtml } from './gate-html.ts';

export interface GateInput {
  tier: Tier;
  target: Target;
  /** Where the previous-release record lives. */
  stateDir: string;
  candidate: AppBuild;
  /** Explicit previous release; default: the recorded one for the tier, else the canary. */
  previous?: AppBuild;
  imageRef?: string;
  reportDir?: string;
  /** Load shape of the judged run and of each A/B repetition (capped at 15 s by verify). */
  shape?: LoadShape;
  repetitions?: number;
  /** Where boxes and the load generator run (default: defaultPlacement()). */
  placement?: GatePlacement;
  /** A send reached later than this counts as late (verify's default 10 ms); latency still counts from the intended time. */
  lateToleranceMs?: number;
  log?: (line: string) => void;
}

/** The stack's services (every unit the image adjusts with a drop-in, plus the app): what memory is judged on. */
export function stackUnits(tier: Tier, distro: keyof typeof DISTROS): string[] {
  const units = new Set([APP_UNIT]);
  for (const f of render(tier, WEB, DISTROS[distro]).files) {
    const m = /^\/etc\/systemd\/system\/([^/]+\.service)\.d\//.exec(f.path);
    if (m) units.add(m[1]);
  }
  return [...units].sort();
}

export interface GateResult {
  decision: 'pass' | 'fail';
  exitCode: 0 | 1;
  reasons: string[];
  tier: string;
  imageRef: string;
  candidate: AppBuild;
  previous: AppBuild & { source: 'flag' | 'recorded' | 'canary' };
  latency: NonNullable<Verdict['baseline']>['comparison'];
  /** Median latency A/B from the same repetitions (verify compares the tail only). */
  latencyMedian: MetricComparison | null;
  memory: MemoryComparison | null;
  verdictDecision: Verdict['decision'] | null;
  recorded: boolean;
  wallSec: number;
  report: { gate: string; gateHtml?: string; verdict?: string; html?: string; junit?: string } | null;
}

export const GATE_SHAPE: LoadShape = { warmupSec: 5, durationSec: 15, timeoutMs: 5000 };

/** The promoted image of the tier, or the one named; bad input when there is none or it is another tier's. */
export async function gateImage(target: Target, tier: Tier, imageRef?: string): Promise<BakedImage> {
  if (!imageRef) {
    const p = await target.promoted(tier.name);
    if (!p) throw new InputError('--tier', tier.name, `a tier with a promoted image on target ${target.name} (none is promoted)`, 'promote one first (kiln nightly, or bake + verify + promote), or pass --image REF');
    imageRef = p.ref;
  }
  const image = await target.image(imageRef);
  if (image.tier !== tier.name) throw new InputError('--image', imageRef, `an image baked for tier ${tier.name} (it is ${image.tier}'s)`, `pass --tier ${image.tier} or an image of ${tier.name}`);
  return image;
}

export async function resolvePrevious(stateDir: string, tier: string, explicit?: AppBuild): Promise<GateResult['previous']> {
  if (explicit) return { ...explicit, source: 'flag' };
  const rec = await previousRelease(stateDir, tier);
  if (rec) return { ...rec.build, source: 'recorded' };
  return { ...(await resolveAppBuild('canary', CANARY_DIR)), source: 'canary' };
}

/** Upper bound of one sampling window; the gate ends both samplers as soon as verify is done. */
const MAX_SAMPLE_SEC = 1800;

/**
 * Samples one box's memory over SSH (the box's own view, so both boxes are read the same way on any target) until
 * `stop` resolves: closing the session ends the remote loop, so both windows end with verify.
 */
async function sampleBox(host: HostDescription, units: readonly string[], stop: Promise<unknown>): Promise<{ summary: MemorySummary | null; errors: string[] }> {
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

const latencyReasons = (v: Verdict): string[] => {
  const c = v.baseline.comparison;
  if (!c) return ['latency: no A/B comparison against the previous release ran'];
  const bad = c.metrics.filter((m) => m.outcome !== 'ok').map((m) => `latency ${m.outcome} vs the previous release: ${m.metric} ${m.evidence}`);
  if (c.outcome !== 'pass' && bad.length === 0) bad.push(`latency comparison ${c.outcome}: ${c.reasons.join('; ')}`);
  return bad;
};

export async function runGate(input: GateInput): Promise<GateResult> {
  const t0 = Date.now();
  const log = input.log ?? (() => {});
  const image = await gateImage(input.target, input.tier, input.imageRef);
  const previous = await resolvePrevious(input.stateDir, input.tier.name, input.previous);
  const shape = input.shape ?? GATE_SHAPE;
  const reps = input.repetitions ?? 5;
  const result: GateResult = {
    decision: 'fail', exitCode: 1, reasons: [], tier: input.tier.name, imageRef: image.ref, candidate: input.candidate, previous,
    latency: null, latencyMedian: null, memory: null, verdictDecision: null, recorded: false, wallSec: 0, report: null,
  };
  log(`gate ${input.tier.name}: candidate ${input.candidate.name} vs previous ${previous.name} (${previous.source}) on ${image.ref}`);
  const place = input.placement ?? defaultPlacement();
  const units = stackUnits(input.tier, image.distro);
  const tag = randomBytes(3).toString('hex');
  const boxes = [`g${tag}c`, `g${tag}p`].map((id) => ({ ref: image.ref, tier: input.tier, id, cpus: place.boxCpus, readyTimeoutSec: 240 }));
  await withBoxes(input.target, boxes, async (raw) => {
    const [cand, prev] = raw.map((r) => validateHost(r));
    const installed = await Promise.allSettled([installApp(cand, input.candidate, { log }), installApp(prev, previous, { log })]);
    installed.forEach((r, i) => {
      if (r.status === 'rejected') result.reasons.push(`${i === 0 ? 'candidate' : 'previous release'} box: ${(r.reason as Error).message}`);
    });
    if (result.reasons.length) return;
    const appFiles = (f: { path: string }) => f.path === APP_ROOT || f.path.startsWith(`${APP_ROOT}/`);
    let verifyDone!: () => void;
    const stop = new Promise<void>((resolve) => { verifyDone = resolve; });
    const sampling = Promise.all([sampleBox(cand, units, stop), sampleBox(prev, units, stop)]);
    const runs: ObservedRun[] = [];
    const verified = await verifyCommand({
      host: cand, tier: input.tier, target: input.target.name, imageRef: image.ref, distro: image.distro, lineage: image.lineage,
      baselineRequired: true, baselineTarget: { host: prev.address, port: 80 }, baselineRepetitions: reps,
      shape, runLoad: gateRunLoad(place, log, input.lateToleranceMs, (r) => runs.push(r)), reportDir: input.reportDir ? join(input.reportDir, 'verify') : undefined, log,
      // The build replaces the image's app files; everything else must still be the baked manifest.
      extras: { manifest: image.manifestFiles.filter((f) => !appFiles(f)) },
    }).finally(() => verifyDone());
    const [cm, pm] = await sampling;
    const v = verified.verdict;
    result.verdictDecision = v.decision;
    result.latency = v.baseline.comparison;
    result.latencyMedian = v.baseline.comparison ? compareMedians(runs, cand.address, prev.address) : null;
    const median = result.latencyMedian && result.latencyMedian.outcome !== 'ok' ? [`latency ${result.latencyMedian.outcome} vs the previous release: p50Ms ${result.latencyMedian.evidence}`] : [];
    result.memory = compareMemory(cm.summary, pm.summary, units);
    result.reasons.push(...latencyReasons(v), ...median, ...v.reasons.filter((r) => !r.startsWith('baseline:')), ...result.memory.reasons);
    for (const e of [...cm.errors, ...pm.errors]) log(`memory sampler: ${e}`);
    if (verified.files) result.report = { gate: '', ...verified.files };
  }, { log }).catch((e: Error) => {
    // A box that did not boot, or did not go away: the gate has no trustworthy answer.
    result.reasons.push(`boxes: ${e.message}`);
  });
  if (result.reasons.length === 0 && result.verdictDecision === 'pass' && result.memory?.outcome === 'pass') {
    result.decision = 'pass';
    result.exitCode = 0;
    await recordRelease(input.stateDir, input.tier.name, input.candidate, image.ref);
    result.recorded = true;
  } else if (result.reasons.length === 0) {
    result.reasons.push('no decision could be reached: failing closed');
  }
  result.wallSec = Math.round((Date.now() - t0) / 100) / 10;
  if (input.reportDir) {
    const gate = join(input.reportDir, 'gate.json');
    const page = join(input.reportDir, 'gate.html');
    result.report = { ...(result.report ?? {}), gate, gateHtml: page };
    await writeFileAtomic(gate, `${JSON.stringify(result, null, 2)}\n`);
    await writeFileAtomic(page, gateHtml(result));
  }
  return result;
}
