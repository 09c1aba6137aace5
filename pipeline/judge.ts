/**
 * Judge one candidate image: boot it (and the promoted baseline when given), run `kiln verify` against it,
 * write verdict.json + report.html + junit.xml into `reportDir`, destroy every box. Used by nightly and gate.
 */
import { randomBytes } from 'node:crypto';
import type { Tier } from '../images/tiers.ts';
import type { LaunchRequest, Log, Target } from '../targets/target.ts';
import { verifyCommand } from '../verify/command.ts';
import { seedBaseline } from '../verify/seed.ts';
import type { LoadShape } from '../verify/defaults.ts';
import { validateHost } from '../model/host.ts';
import { runLoadInChild } from '../verify/load/child.ts';
import type { Placement } from '../verify/load/cpus.ts';
import type { Verdict } from '../verify/verdict.ts';
import { withBoxes } from './boxes.ts';

export interface JudgeInput {
  target: Target;
  tier: Tier;
  candidateRef: string;
  /** The promoted image of the tier: booted beside the candidate, and the comparison is then required. */
  baselineRef?: string;
  /** Receives verdict.json, report.html, junit.xml. */
  reportDir: string;
  runId?: string;
  /** Up to 11 chars [a-z0-9]; boxes are `<prefix>c` (candidate) and `<prefix>b` (baseline). */
  boxIdPrefix?: string;
  shape?: LoadShape;
  capacityBudgetSec?: number;
  baselineRepetitions?: number;
  readyTimeoutSec?: number;
  /** Wall-clock limit for the verification itself (boot excluded); on expiry the boxes go and judge throws. */
  verifyTimeoutSec?: number;
  cpus?: string;
  /** Secrets file for the boxes (local: read at first boot, e.g. DATABASE_URL of an external database). */
  secretsFile?: string;
  /** Where the load generator's own process runs (pinned and/or reniced, verify/load/child.ts); absent = anywhere, default nice. */
  generator?: Placement;
  log?: Log;
  /** Box ids, before each launch (a ledger records them so a killed run can destroy them by id). */
  onLaunching?: (id: string) => void | Promise<void>;
  /** Every box is up; verification starts. */
  onVerifying?: (ids: string[]) => void | Promise<void>;
  onDestroying?: (ids: string[]) => void | Promise<void>;
  onDestroyed?: (ids: string[], errors: string[]) => void | Promise<void>;
}

export interface JudgeResult {
  decision: Verdict['decision'];
  verdict: Verdict;
  verdictPath: string;
  reportHtml: string;
  boxIds: string[];
}

export class VerifyTimeoutError extends Error {
  constructor(readonly timeoutSec: number) {
    super(`verification did not finish within ${timeoutSec} s; boxes destroyed, no verdict`);
    this.name = 'VerifyTimeoutError';
  }
}

export const newBoxIdPrefix = (): string =>
  `j${BigInt(`0x${randomBytes(6).toString('hex')}`)
    .toString(36)
    .slice(0, 8)}`;

/** On timeout, aborts `abort` (its load generator is killed) and rejects; the abandoned work then fails on its own. */
function withTimeout<T>(work: Promise<T>, timeoutSec: number | undefined, abort: AbortController): Promise<T> {
  if (!timeoutSec) return work;
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => undefined);
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new VerifyTimeoutError(timeoutSec));
      }, timeoutSec * 1000);
    }),
  ]).finally(() => clearTimeout(timer));
}

export async function judge(input: JudgeInput): Promise<JudgeResult> {
  const { target, tier } = input;
  const log = input.log ?? (() => undefined);
  const prefix = input.boxIdPrefix ?? newBoxIdPrefix();
  const candidate = await target.image(input.candidateRef);
  const base = { tier, readyTimeoutSec: input.readyTimeoutSec, cpus: input.cpus, secretsFile: input.secretsFile, log };
  const requests: LaunchRequest[] = [{ ...base, ref: input.candidateRef, id: `${prefix}c` }];
  if (input.baselineRef) requests.push({ ...base, ref: input.baselineRef, id: `${prefix}b` });
  return withBoxes(
    target,
    requests,
    async ([raw, baselineHost]) => {
      await input.onVerifying?.(requests.map((r) => r.id));
      // validateHost maps the local box's `cgroup.memory` to memoryCgroupPath: without it OOM kills are read host-wide.
      const host = validateHost(raw);
      // The baseline answers the candidate's traffic: it gets its own image's seed first (verify seeds the candidate).
      if (baselineHost && input.baselineRef) {
        const seeded = await seedBaseline(validateHost(baselineHost), (await target.image(input.baselineRef)).bundle);
        if (seeded) throw new Error(seeded);
      }
      const abort = new AbortController();
      const r = await withTimeout(
        verifyCommand({
          host,
          tier,
          target: target.name,
          imageRef: input.candidateRef,
          lineage: candidate.lineage,
          bundle: candidate.bundle,
          baselineRequired: Boolean(input.baselineRef),
          baselineTarget: baselineHost ? { host: baselineHost.address, port: 80 } : null,
          baselineRepetitions: input.baselineRepetitions,
          reportDir: input.reportDir,
          shape: input.shape,
          capacityBudgetSec: input.capacityBudgetSec,
          extras: { manifest: candidate.manifestFiles },
          runId: input.runId,
          log,
          // Always a child process: a timed-out verify kills it instead of leaving load running until its own deadline.
          runLoad: (spec) => runLoadInChild(spec, input.generator, abort.signal),
        }),
        input.verifyTimeoutSec,
        abort,
      );
      if (!r.files) throw new Error('verify wrote no report files');
      return {
        decision: r.verdict.decision,
        verdict: r.verdict,
        verdictPath: r.files.verdict,
        reportHtml: r.files.html,
        boxIds: requests.map((q) => q.id),
      };
    },
    { log, onLaunching: input.onLaunching, onDestroying: input.onDestroying, onDestroyed: input.onDestroyed },
  );
}
