/**
 * The verify flow against one booted box: state checks over SSH, the judged load run at the tier's
 * target rate with memory sampled alongside, an optional capacity search and baseline A/B, then the
 * verdict. Never throws for a box that misbehaves: every failure lands in the verdict as a reason.
 */
import type { Tier } from '../images/tiers.ts';
import { DEFAULT_BASELINE_POLICY, runBaselineComparison, type BaselineComparison, type BaselinePolicy } from './baseline.ts';
import { runStateChecks, type StateExpectations } from './checks/index.ts';
import type { CheckResult } from './checks/types.ts';
import type { HostDescription } from '../model/host.ts';
import { searchCapacity } from './load/capacity.ts';
import { runLoad as defaultRunLoad } from './load/run.ts';
import type { CapacityResult, CapacitySpec, LoadResult, LoadSpec } from './load/types.ts';
import { startMemorySampler } from './memory/sampler.ts';
import { summarizeMemory, type MemorySeries, type MemorySummary } from './memory/summary.ts';
import { runSeed } from './seed.ts';
import { SshSession } from './ssh.ts';
import { judgeThresholds, latencyJudgement } from './thresholds.ts';
import { guarded } from './checks/types.ts';
import { machineMemoryCheck, osShareReading } from './machine-memory.ts';
import { buildVerdict, type Verdict } from './verdict.ts';
import type { LoadOrigin } from '../model/verdict-guard.ts';
import type { Lineage } from '../model/lineage.ts';
import type { WorstCasePlan } from './worst-case/plan.ts';
import { runWorstCase } from './worst-case/run.ts';

export type LoadBase = Omit<LoadSpec, 'rps'>;

/** Both sides run the candidate's load shape; only the address differs, so the comparison is like for like. */
export interface BaselinePlan {
  target: { host: string; port: number; hostHeader?: string };
  repetitions: number;
  durationSec?: number;
  warmupSec?: number;
  policy?: BaselinePolicy;
}

export interface VerifyPlan {
  runId: string;
  createdAt: string;
  /** The kiln judging (recorded in the verdict). */
  kilnVersion: string;
  tier: Tier;
  target: string;
  image: { ref: string; lineage: Lineage | null };
  host: HostDescription;
  expectations: StateExpectations;
  /** The judged run; its rate is always `tier.slo.targetRps` (a caller judging a recipe's traffic passes its rate there). */
  load: LoadBase;
  /** Capacity search around the same endpoints; absent = not run (the curve is informational). */
  capacity?:
    | (Omit<CapacitySpec, 'base' | 'slo'> & {
        /** Each step's warm-up and window; the judged run's 40 s steps would not fit a short budget at all. */
        step?: Pick<LoadBase, 'warmupSec' | 'durationSec'>;
      })
    | null;
  /** Memory groups judged for leaks (default: the expected units). */
  memoryUnits?: readonly string[];
  /** The promoted baseline of this tier, booted in the same run, and how to compare. */
  baseline?: BaselinePlan | null;
  /** True when a promoted baseline exists for this tier (then a missing comparison fails). */
  baselineRequired: boolean;
  /** manage.py argv run on the box after the state checks, before any load (the recipe's seed); null: none. */
  seed?: readonly string[] | null;
  /** A whole machine (a VM, an EC2 instance): its own /proc/meminfo is judged against the tier and the budget. */
  wholeMachine?: boolean;
  /** The budget's OS reserve (the image's manifest): a whole machine's OS share at idle is held to it. */
  osReserveMiB?: number;
  /** The worst-case memory phase, run last (it fills caches and evicts keys the judged runs would otherwise see); absent = not run. */
  worstCase?: { plan: WorstCasePlan; headroomMiB: number } | null;
  /** Findings made before the box was reached (e.g. the image records no bundle): they count like any check. */
  preChecks?: CheckResult[];
  /** Injectable so a caller can run the generator pinned in a child process, or on the verifier. */
  runLoad?: (spec: LoadSpec) => Promise<LoadResult>;
  /** Where `runLoad` generates the load; absent = here. */
  loadOrigin?: LoadOrigin;
  log?: (line: string) => void;
}

const sec = (spec: LoadBase) => spec.warmupSec + spec.durationSec + Math.ceil(spec.timeoutMs / 1000) + 2;

/** Candidate and baseline alternate (ABBA); each repetition's p95/p99 is null when its run was invalid. */
async function compare(plan: VerifyPlan, run: (s: LoadSpec) => Promise<LoadResult>): Promise<BaselineComparison> {
  const b = plan.baseline!;
  const rps = plan.tier.slo.targetRps;
  const shape: LoadSpec = {
    ...plan.load,
    rps,
    durationSec: b.durationSec ?? plan.load.durationSec,
    warmupSec: b.warmupSec ?? plan.load.warmupSec,
  };
  return runBaselineComparison(
    async (side) => {
      const r = await run(side === 'baseline' ? { ...shape, ...b.target } : shape);
      const ok = r.valid && r.measure.responses > 0;
      return { p95Ms: ok ? r.measure.latency.p95Ms : null, p99Ms: ok ? r.measure.latency.p99Ms : null };
    },
    ['p95Ms', 'p99Ms'],
    b.repetitions,
    b.policy ?? DEFAULT_BASELINE_POLICY,
  );
}

/** A VM or an EC2 instance: its own kernel's memory is judged (a container's /proc is the host's or lxcfs'). */
const isWholeMachine = (plan: VerifyPlan): boolean => plan.wholeMachine ?? plan.host.machine === 'vm';

/** Its own session: the judged run's was closed, and capacity or A/B may have taken minutes since. */
async function worstCasePhase(
  plan: VerifyPlan,
  wc: NonNullable<VerifyPlan['worstCase']>,
  log: (line: string) => void,
): Promise<CheckResult[]> {
  const p = wc.plan;
  log(
    `worst-case memory phase: ${p.holdSec}s hold (${p.postgres ? `${p.postgres.maxConnections} postgres connections, ` : ''}`
      + `${p.web.concurrency} gunicorn threads busy, ${p.nginx?.connections ?? 0} nginx connections${p.redis ? `, ${p.redis.fillMiB} MiB into redis` : ''})`,
  );
  return guarded('worst-case:ran', async () => {
    const session = await SshSession.connect(plan.host);
    try {
      const r = await runWorstCase(session, p, {
        units: plan.memoryUnits ?? plan.expectations.units,
        wholeMachine: isWholeMachine(plan),
        headroomMiB: wc.headroomMiB,
        ramMiB: plan.tier.ramMiB,
        cgroupPath: plan.host.memoryCgroupPath,
      });
      return r.checks;
    } finally {
      session.close();
    }
  });
}

export async function verify(plan: VerifyPlan): Promise<Verdict> {
  const log = plan.log ?? (() => {});
  const run = plan.runLoad ?? defaultRunLoad;
  const rps = plan.tier.slo.targetRps;
  let checks: CheckResult[] = [];
  let load: LoadResult | null = null;
  let memory: MemorySummary | null = null;
  let series: MemorySeries | null = null;
  const memoryErrors: string[] = [];
  let capacity: CapacityResult | null = null;
  let baseline: BaselineComparison | null = null;

  let session: SshSession | null = null;
  try {
    log(`connecting to ${plan.host.user}@${plan.host.address}:${plan.host.port}`);
    session = await SshSession.connect(plan.host);
  } catch (err) {
    checks.push({ id: 'ssh:connect', status: 'error', evidence: (err as Error).message });
  }
  if (session) {
    try {
      log('state checks');
      checks = await runStateChecks(session, plan.expectations);
      // A whole machine: its own kernel's view of its RAM, against the tier's (a box's /proc is the host's or lxcfs').
      if (isWholeMachine(plan)) {
        checks.push(...(await guarded('machine:memtotal', () => machineMemoryCheck(session!, plan.tier.ramMiB))));
        // At idle, before any load: what the kernel and the OS hold must fit the share the budget left them.
        const reserved = plan.osReserveMiB;
        if (reserved !== undefined) {
          checks.push(
            ...(await guarded('machine:os-share', () =>
              osShareReading(session!, plan.tier.ramMiB, plan.memoryUnits ?? plan.expectations.units, reserved),
            )),
          );
        }
      }
      if (plan.seed?.length) log(`seed: manage.py ${plan.seed.join(' ')}`);
      const seeded = await runSeed(session, plan.seed ?? null);
      if (seeded) checks.push(seeded);
      log(`judged load at ${rps} req/s for ${plan.load.durationSec}s (+${plan.load.warmupSec}s warm-up), sampling memory`);
      const sampler = startMemorySampler(session, { durationSec: sec(plan.load), cgroupPath: plan.host.memoryCgroupPath });
      try {
        load = await run({ ...plan.load, rps });
      } catch (err) {
        checks.push({ id: 'load:run', status: 'error', evidence: `load generator crashed: ${(err as Error).message}` });
      }
      const sampled = await sampler.done;
      memoryErrors.push(...sampled.errors);
      series = sampled;
      memory = summarizeMemory(sampled, plan.memoryUnits ?? plan.expectations.units);
    } finally {
      session.close();
    }
    if (plan.capacity) {
      log('capacity search');
      const slo = { p95Ms: plan.tier.slo.p95Ms, p99Ms: plan.tier.slo.p99Ms, maxErrorRate: plan.tier.slo.errorRatePct / 100 };
      try {
        const { step, ...search } = plan.capacity;
        capacity = await searchCapacity({ ...search, base: { ...plan.load, ...step }, slo }, run);
      } catch (err) {
        log(`capacity search failed: ${(err as Error).message}`);
      }
    }
    if (plan.baseline) {
      log(`baseline A/B: ${plan.baseline.repetitions} interleaved pairs`);
      baseline = await compare(plan, run);
    }
    if (plan.worstCase) checks.push(...(await worstCasePhase(plan, plan.worstCase, log)));
  }
  return buildVerdict({
    runId: plan.runId,
    createdAt: plan.createdAt,
    kilnVersion: plan.kilnVersion,
    tier: { name: plan.tier.name, ramMiB: plan.tier.ramMiB, vcpus: plan.tier.vcpus, slo: plan.tier.slo },
    target: plan.target,
    image: plan.image,
    host: { address: plan.host.address, port: plan.host.port, hostKey: plan.host.hostKey },
    checks: [...(plan.preChecks ?? []), ...checks],
    load,
    capacity,
    loadOrigin: plan.loadOrigin ?? { kind: 'local' },
    memory,
    memorySeries: series,
    memoryErrors,
    thresholds: judgeThresholds({ slo: plan.tier.slo, ramMiB: plan.tier.ramMiB, load, memory, latency: latencyJudgement(plan.host) }),
    baselineRequired: plan.baselineRequired,
    baseline,
  });
}
