/** Runs the worst-case phase on a box over its session, with verify's memory sampler alongside, and judges it. */
import { readFileSync } from 'node:fs';
import { shellQuote } from '../../lib/shell-quote.ts';
import type { CheckResult, Remote } from '../checks/types.ts';
import { startMemorySampler } from '../memory/sampler.ts';
import { summarizeMemory, type MemorySummary } from '../memory/summary.ts';
import { judgeWorstCase, type PhaseReport } from './judge.ts';
import { SNAPSHOT_PY } from '../machine-memory.ts';
import type { WorstCasePlan } from './plan.ts';

/** snapshot.py's functions first (phase.py samples with them), then the phase. */
const SCRIPT = `${SNAPSHOT_PY}\n${readFileSync(new URL('./phase.py', import.meta.url), 'utf8')}`;
/** Building the scratch table and draining the loops take this long at most beyond the hold, plus a second per 4000
 * rows of the scratch table (software emulation writes ~10 000 rows a second). */
const SETUP_SEC = 240;
const ROWS_PER_SEC = 4000;

export interface WorstCaseRun {
  checks: CheckResult[];
  memory: MemorySummary | null;
}

export async function runWorstCase(
  remote: Remote,
  plan: WorstCasePlan,
  opts: {
    units: readonly string[];
    wholeMachine: boolean;
    headroomMiB: number;
    ramMiB: number;
    cgroupPath?: string;
  },
): Promise<WorstCaseRun> {
  const budgetSec = plan.holdSec + SETUP_SEC + Math.ceil((plan.postgres?.maintenanceRows ?? 0) / ROWS_PER_SEC);
  const sampler = startMemorySampler(remote, { durationSec: plan.holdSec + 30, cgroupPath: opts.cgroupPath });
  const r = await remote.exec(`python3 - ${shellQuote(JSON.stringify(plan))}`, { timeoutSec: budgetSec, asRoot: true, stdin: SCRIPT });
  const sampled = await sampler.done;
  const memory = sampled.remote.length ? summarizeMemory(sampled, opts.units) : null;
  let report: PhaseReport | null = null;
  let runError: string | undefined;
  try {
    if (r.exitCode !== 0)
      throw new Error(`exit ${r.exitCode ?? 'none'}${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.trim().slice(-300)}`);
    report = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as PhaseReport;
  } catch (err) {
    runError = (err as Error).message;
  }
  return {
    checks: judgeWorstCase({
      plan,
      report,
      runError,
      memory,
      wholeMachine: opts.wholeMachine,
      headroomMiB: opts.headroomMiB,
      ramMiB: opts.ramMiB,
      stackUnits: opts.units,
    }),
    memory,
  };
}
