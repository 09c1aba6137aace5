/** Follows one ASG instance refresh, by its id, to its end, reporting progress and, on failure, the rollback. */
import { DescribeInstanceRefreshesCommand, type AutoScalingClient, type InstanceRefresh } from '@aws-sdk/client-auto-scaling';

const TERMINAL = new Set(['Successful', 'Failed', 'Cancelled', 'RollbackSuccessful', 'RollbackFailed']);

export interface RefreshOutcome {
  refreshId: string;
  /** The refresh's final AWS status; `NotStarted` when deploy could not start one (another refresh was running). */
  status: string;
  ok: boolean;
  percentComplete: number;
  /** Instances the refresh had still to replace when it ended. */
  instancesToUpdate?: number;
  statusReason?: string;
  rollback?: { reason?: string; startedAt?: string; percentCompleteOnRollback?: number; instancesToUpdateOnRollback?: number };
}

/** Pure: one line describing where a refresh is. */
export function describeRefresh(r: InstanceRefresh): string {
  const parts = [`refresh ${r.InstanceRefreshId}: ${r.Status}`, `${r.PercentageComplete ?? 0}%`];
  if (r.InstancesToUpdate !== undefined) parts.push(`${r.InstancesToUpdate} instance(s) to update`);
  if (r.StatusReason) parts.push(r.StatusReason);
  const rb = r.RollbackDetails;
  if (rb?.RollbackReason) parts.push(`rollback: ${rb.RollbackReason} (${rb.PercentageCompleteOnRollback ?? 0}% done when it started)`);
  return parts.join(', ');
}

/** Pure: the outcome once a refresh has ended, or null while it runs. */
export function outcomeOf(r: InstanceRefresh): RefreshOutcome | null {
  if (!r.Status || !TERMINAL.has(r.Status)) return null;
  const rb = r.RollbackDetails;
  return {
    refreshId: r.InstanceRefreshId ?? '',
    status: r.Status,
    ok: r.Status === 'Successful',
    percentComplete: r.PercentageComplete ?? 0,
    instancesToUpdate: r.InstancesToUpdate,
    statusReason: r.StatusReason,
    rollback:
      rb && (rb.RollbackReason || rb.RollbackStartTime)
        ? {
            reason: rb.RollbackReason,
            startedAt: rb.RollbackStartTime?.toISOString(),
            percentCompleteOnRollback: rb.PercentageCompleteOnRollback,
            instancesToUpdateOnRollback: rb.InstancesToUpdateOnRollback,
          }
        : undefined,
  };
}

export interface PollOptions {
  asgName: string;
  /** The refresh deploy started (StartInstanceRefresh's InstanceRefreshId): no other refresh is ever read as ours. */
  refreshId: string;
  intervalSec?: number;
  timeoutSec?: number;
  /** Consecutive API errors tolerated before giving up. */
  maxErrors?: number;
  log?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

export async function pollInstanceRefresh(autoscaling: AutoScalingClient, o: PollOptions): Promise<RefreshOutcome> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxErrors = o.maxErrors ?? 3;
  const deadline = Date.now() + (o.timeoutSec ?? 3600) * 1000;
  let errors = 0;
  let last = '';
  while (Date.now() < deadline) {
    let ours: InstanceRefresh | undefined;
    try {
      const page = await autoscaling.send(
        new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: o.asgName, InstanceRefreshIds: [o.refreshId] }),
      );
      ours = (page.InstanceRefreshes ?? []).find((r) => r.InstanceRefreshId === o.refreshId);
      if (!ours) throw new Error(`refresh ${o.refreshId} is not listed`);
      errors = 0;
    } catch (e) {
      errors += 1;
      const msg = `DescribeInstanceRefreshes for ${o.asgName} failed (${errors}/${maxErrors}): ${(e as Error).name}: ${(e as Error).message.split('\n')[0]}`;
      log(msg);
      if (errors >= maxErrors) throw new Error(msg);
      await sleep((o.intervalSec ?? 15) * 1000);
      continue;
    }
    const line = describeRefresh(ours);
    if (line !== last) log(line);
    last = line;
    const done = outcomeOf(ours);
    if (done) {
      if (!done.ok && done.rollback)
        log(`deploy: rolled back (${done.status}): ${done.rollback.reason ?? done.statusReason ?? 'no reason given'}`);
      return done;
    }
    await sleep((o.intervalSec ?? 15) * 1000);
  }
  throw new Error(
    `instance refresh ${o.refreshId} of ${o.asgName} did not end within ${o.timeoutSec ?? 3600} s: it is still running (the AWS console or DescribeInstanceRefreshes shows where)`,
  );
}
