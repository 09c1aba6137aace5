/**
 * `kiln verify` as a function for the CLI: host JSON + tier -> verdict (+ report files) and the exit code.
 * Bad input throws InputError (exit 2) before anything is measured; a failing box is exit 1, never a throw.
 */
import { kilnVersion } from '../images/kiln-version.ts';
import { InputError } from '../images/errors.ts';
import type { Tier } from '../images/tiers.ts';
import type { Traffic } from '../images/web.ts';
import { fail } from './checks/types.ts';
import { connectionsFor, DEFAULT_LOAD_SHAPE, hostHeaderFor, targetRpsFor, trafficLoad, type LoadShape } from './defaults.ts';
import { expectationsFromRender, type ExpectationExtras } from './expectations.ts';
import { launchKeyBlob, type HostDescription } from '../model/host.ts';
import type { ImageBundle } from '../model/image-bundle.ts';
import { verifierRunLoad } from './load/remote.ts';
import { runLoad as runLoadHere } from './load/run.ts';
import type { LoadResult, LoadSpec } from './load/types.ts';
import { writeReport, type ReportFiles } from './report/write.ts';
import { verify } from './run.ts';
import { DEFAULT_WORST_CASE_HOLD_SEC, worstCasePlan } from './worst-case/plan.ts';
import type { Verdict } from './verdict.ts';
import type { LoadOrigin } from '../model/verdict-guard.ts';
import type { Lineage } from '../model/lineage.ts';

/** What differs per target, as data. */
export interface TargetProfile {
  /** Sysctl prefixes a box sets for itself; absent = all. An nspawn box owns its netns (`net.*`), not `vm.*`. */
  sysctlEffectPrefixes?: readonly string[];
  /** Its boxes are whole machines with their own kernel (a local box is a container unless launched with --vm). */
  wholeMachine: boolean;
}

export const TARGETS: Record<string, TargetProfile> = {
  local: { sysctlEffectPrefixes: ['net.'], wholeMachine: false },
  aws: { wholeMachine: true },
};

export interface VerifyCommandInput {
  host: HostDescription;
  tier: Tier;
  target?: string;
  imageRef?: string;
  lineage: Lineage | null;
  /** What the image was baked from, as it recorded it: files, recipe (seed, traffic). Null fails the verdict. */
  bundle: ImageBundle | null;
  /** A promoted baseline of this tier exists (its verdict was passed): a comparison is then required. */
  baselineRequired: boolean;
  /** The booted baseline box's HTTP endpoint, to run interleaved A/B against. */
  baselineTarget?: { host: string; port: number } | null;
  baselineRepetitions?: number;
  reportDir?: string;
  shape?: LoadShape;
  httpPort?: number;
  /** Traffic for the judged run, the capacity search and the A/B; absent = what the image's bundle records; null = the canary mix. */
  traffic?: Traffic | null;
  /** Seconds the worst-case memory phase holds; 0 = not run; absent = DEFAULT_WORST_CASE_HOLD_SEC on a whole machine, none in a container. */
  worstCaseHoldSec?: number;
  /** Seconds for the capacity search; 0 or absent = not run. */
  capacityBudgetSec?: number;
  extras?: ExpectationExtras;
  runId?: string;
  now?: () => Date;
  /** A generator that runs here (in process or a pinned child; default in process). Unused for a host with a verifier. */
  runLoad?: (spec: LoadSpec) => Promise<LoadResult>;
  /** The caller's rules around whichever generator runs (repeats of invalid runs, observation): they hold on the verifier too. */
  decorateLoad?: (run: (spec: LoadSpec) => Promise<LoadResult>) => (spec: LoadSpec) => Promise<LoadResult>;
  /** Where the generator is put on the verifier (default: under the login's home). */
  verifierDir?: string;
  log?: (line: string) => void;
}

export interface VerifyCommandResult {
  verdict: Verdict;
  exitCode: 0 | 1;
  files: ReportFiles | null;
}

export async function verifyCommand(input: VerifyCommandInput): Promise<VerifyCommandResult> {
  const target = input.target ?? input.host.target ?? '';
  const profile = Object.hasOwn(TARGETS, target) ? TARGETS[target] : undefined;
  if (!profile) {
    throw new InputError(
      'target',
      target,
      `one of ${Object.keys(TARGETS).join(', ')}`,
      'pass --target or a host JSON from `kiln launch` (it names its target)',
    );
  }
  const imageRef = input.imageRef ?? input.host.imageRef ?? '';
  if (input.host.tier && input.host.tier !== input.tier.name) {
    throw new InputError(
      '--tier',
      input.tier.name,
      `the tier the box was launched as (${input.host.tier})`,
      'verify a box against its own tier',
    );
  }
  // The image's own record, never a fresh render: a recipe with another app would expect other files and limits.
  const rendered = input.bundle ? { files: input.bundle.files, manifest: input.bundle.manifest.files } : { files: [], manifest: [] };
  const preChecks = input.bundle
    ? []
    : [fail('image:bundle', `image ${imageRef || '(none named)'} records no bundle: nothing says what it must hold`)];
  const now = (input.now ?? (() => new Date()))();
  const shape = input.shape ?? DEFAULT_LOAD_SHAPE;
  const traffic = input.traffic !== undefined ? input.traffic : (input.bundle?.manifest.recipe.traffic ?? null);
  const hostHeader = hostHeaderFor(input.bundle?.manifest.recipe.app.domains ?? []);
  const load = {
    ...trafficLoad(input.host.address, traffic, input.tier.slo, shape, input.httpPort ?? input.host.httpPort ?? 80),
    ...(hostHeader ? { hostHeader } : {}),
  };
  const budget = input.capacityBudgetSec ?? 0;
  const wholeMachine = input.host.machine === 'vm' || profile.wholeMachine;
  const holdSec = input.worstCaseHoldSec ?? (wholeMachine ? DEFAULT_WORST_CASE_HOLD_SEC : 0);
  // The rate judged is the traffic's when it sets one: thresholds and the verdict's tierSpec then record that rate.
  const slo = { ...input.tier.slo, targetRps: targetRpsFor(input.tier.slo, traffic) };
  // Beside the box when it has a verifier: no internet path in the latency, no SSH to the box from outside.
  const v = input.host.verifier;
  // A host with a verifier admits the load from its verifier's group only: a generator here could not reach it.
  const remote = v ? verifierRunLoad(v, { dir: input.verifierDir }) : null;
  const base = remote?.runLoad ?? input.runLoad ?? runLoadHere;
  const loadOrigin: LoadOrigin =
    remote && v
      ? {
          kind: 'verifier',
          address: v.address,
          ...(v.instanceType ? { instanceType: v.instanceType } : {}),
          ...(v.subnetId ? { subnetId: v.subnetId } : {}),
        }
      : { kind: 'local' };
  const verdict = await verify({
    runId: input.runId ?? `verify-${now.toISOString().replace(/[-:.]/g, '')}`,
    createdAt: now.toISOString(),
    kilnVersion: kilnVersion(),
    tier: { ...input.tier, slo },
    target,
    image: { ref: imageRef, lineage: input.lineage },
    host: input.host,
    expectations: {
      ...expectationsFromRender(rendered, input.host, { launchKeyBlobs: [launchKeyBlob(input.host.keyPath)], ...input.extras }),
      // A VM has its own kernel: every sysctl the image sets must take effect, not only its netns' ones.
      sysctlEffectPrefixes: wholeMachine ? undefined : profile.sysctlEffectPrefixes,
    },
    load,
    // From the target rate (the judged run just held it), doubling: a 30 s budget's three steps reach 4x, not 1.1x.
    capacity:
      budget > 0
        ? {
            startRps: slo.targetRps,
            growth: 2,
            maxRps: slo.targetRps * 16,
            resolution: 0.1,
            budgetSec: budget,
            connectionsFor: (rps) => connectionsFor(rps, slo, load.endpoints),
            step: { warmupSec: Math.min(shape.warmupSec, 2), durationSec: Math.min(shape.durationSec, 5) },
          }
        : null,
    baselineRequired: input.baselineRequired,
    baseline: input.baselineTarget
      ? {
          target: { ...input.baselineTarget, ...(hostHeader ? { hostHeader } : {}) },
          repetitions: input.baselineRepetitions ?? 5,
          durationSec: Math.min(shape.durationSec, 15),
        }
      : null,
    seed: input.bundle?.manifest.recipe.app.seed ?? null,
    wholeMachine,
    ...(input.bundle ? { osReserveMiB: input.bundle.manifest.budget.osReserveMiB } : {}),
    worstCase:
      holdSec > 0 && input.bundle
        ? {
            plan: worstCasePlan({
              settings: input.bundle.manifest.settings,
              services: input.bundle.manifest.recipe.services,
              endpoints: load.endpoints,
              hostHeader: hostHeader ?? 'localhost',
              port: 80,
              holdSec,
            }),
            headroomMiB: input.bundle.manifest.budget.headroomMiB,
          }
        : null,
    preChecks,
    runLoad: input.decorateLoad ? input.decorateLoad(base) : base,
    loadOrigin,
    log: input.log,
  }).finally(() => remote?.close());
  const files = input.reportDir ? await writeReport(verdict, input.reportDir) : null;
  return { verdict, exitCode: verdict.decision === 'pass' ? 0 : 1, files };
}
