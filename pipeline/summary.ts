/** The run's summary: per tier what happened and why (from the ledger + verdicts), as JSON and a short table. */
import { existsSync, readFileSync } from 'node:fs';
import { STEPS, type RunLedger, type StepName, type StepRecord } from './ledger.ts';

export type TierDecision = 'promoted' | 'held' | 'rejected' | 'failed' | 'incomplete';

export interface TierSummary {
  tier: string;
  decision: TierDecision;
  imageRef: string | null;
  promotedRef: string | null;
  previousRef: string | null;
  /** Why it was not promoted (or what held it), one line. */
  reason: string | null;
  targetRps: number | null;
  achievedRps: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  memoryPeakMiB: number | null;
  verdict: string | null;
  report: string | null;
}

export interface NightlySummary {
  kind: 'kiln-nightly';
  /** The kiln that wrote the summary (a resumed run's attempts record theirs in the ledger). */
  kilnVersion: string;
  runId: string;
  target: string;
  ledger: string;
  createdAt: string;
  /** 0 when every tier was promoted or held its promoted image with a pass, else 1. */
  exitCode: 0 | 1;
  tiers: TierSummary[];
  janitor: string | null;
}

type VerdictBits = {
  decision?: string;
  reasons?: string[];
  load?: { target?: { measure?: { targetRps?: number; achievedRps?: number; latency?: { p95Ms?: number; p99Ms?: number } } } };
  memory?: { summary?: { box?: { peak?: number } } };
};

/** Pure: the decision a tier's steps add up to, and the reason when it is not a promotion. */
export function decide(steps: Record<StepName, StepRecord>): { decision: TierDecision; reason: string | null } {
  const failed = STEPS.find((s) => steps[s].state === 'failed');
  if (failed) return { decision: 'failed', reason: `${failed} failed: ${(steps[failed].error ?? '').split('\n')[0]}` };
  if (steps.verify.state === 'done' && steps.verify.outputs.decision === 'fail') return { decision: 'rejected', reason: 'verdict fail' };
  if (steps.promote.state === 'done') {
    const note = steps.promote.outputs.note ?? null;
    return { decision: note?.startsWith('held') ? 'held' : 'promoted', reason: note };
  }
  const open = STEPS.find((s) => steps[s].state !== 'done');
  return { decision: 'incomplete', reason: open ? `${open} is ${steps[open].state}` : null };
}

function readVerdict(path: string | undefined): VerdictBits | null {
  if (!path || !existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as VerdictBits;
  } catch {
    return null;
  }
}

const round = (n: number | undefined, d = 1) => (typeof n === 'number' ? Math.round(n * 10 ** d) / 10 ** d : null);

export function summarize(l: RunLedger, ledgerFile: string, kilnVersion: string): NightlySummary {
  const tiers = l.tiers.map((tier): TierSummary => {
    const steps = l.steps[tier]!;
    const { decision, reason } = decide(steps);
    const v = readVerdict(steps.verify.outputs.verdictPath);
    const m = v?.load?.target?.measure;
    const verdictReason = decision === 'rejected' && v?.reasons?.length ? `verdict fail: ${v.reasons.join('; ')}` : reason;
    return {
      tier,
      decision,
      imageRef: steps.bake.outputs.imageRef ?? null,
      promotedRef: steps.promote.outputs.promotedRef ?? null,
      previousRef: steps.promote.outputs.previousRef ?? null,
      reason: verdictReason,
      targetRps: m?.targetRps ?? null,
      achievedRps: round(m?.achievedRps),
      p95Ms: round(m?.latency?.p95Ms),
      p99Ms: round(m?.latency?.p99Ms),
      memoryPeakMiB: round(v?.memory?.summary?.box?.peak, 0),
      verdict: steps.verify.outputs.verdictPath ?? null,
      report: steps.verify.outputs.reportHtml ?? null,
    };
  });
  const ok = tiers.every((t) => t.decision === 'promoted' || t.decision === 'held');
  return {
    kind: 'kiln-nightly',
    kilnVersion,
    runId: l.runId,
    target: l.target,
    ledger: ledgerFile,
    createdAt: l.createdAt,
    exitCode: ok ? 0 : 1,
    tiers,
    janitor: l.janitor ? `${l.janitor.state}${l.janitor.error ? `: ${l.janitor.error}` : ''}` : null,
  };
}

/** A few lines a person reads at the end of the log. */
export function summaryTable(s: NightlySummary): string {
  const rows = [['tier', 'decision', 'p95 ms', 'p99 ms', 'rps', 'mem peak MiB', 'promoted ref / reason']];
  for (const t of s.tiers) {
    rows.push([
      t.tier,
      t.decision,
      String(t.p95Ms ?? '-'),
      String(t.p99Ms ?? '-'),
      t.targetRps ? `${t.achievedRps}/${t.targetRps}` : '-',
      String(t.memoryPeakMiB ?? '-'),
      t.decision === 'promoted' ? (t.promotedRef ?? '') : (t.reason ?? '').slice(0, 100),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
  const links = s.tiers.filter((t) => t.report).map((t) => `  ${t.tier}: ${t.report}`);
  return [
    `run ${s.runId} (${s.target}): ${s.exitCode === 0 ? 'all tiers promoted or held' : 'not every tier was promoted'}`,
    ...lines,
    ...(links.length ? ['reports:', ...links] : []),
    `ledger: ${s.ledger}`,
  ].join('\n');
}
