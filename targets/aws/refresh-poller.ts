/** Follows an ASG instance refresh to its end, reporting progress and, on failure, the rollback. */
import {
  DescribeInstanceRefreshesCommand,
  type AutoScalingClient,
  type InstanceRefresh,
} from '@aws-sdk/client-auto-scaling';

const TERMINAL = new Set(['Successful', 'Failed', 'Cancelled', 'RollbackSuccessful', 'RollbackFailed']);

export interface RefreshOutcome {
  refreshId: string;
  status: string;
  ok: boolean;
  percentComplete: number;
  statusReason?: string;
  rollback?: { reason?: string; startedAt?: string; percentCompleteOnRollback?: number };
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
    statusReason: r.StatusReason,
    rollback: rb && (rb.RollbackReason || rb.RollbackStartTime)
      ? { reason: rb.RollbackReason, startedAt: rb.RollbackStartTime?.toISOString(), percentCompleteOnRollback: rb.PercentageCompleteOnRollback }
      : undefined,
  };
}

export interface PollOptions {
  asgName: string;
  /** Only a refresh started at or after this instant counts (the one our apply started). */
  since: Date;
  intervalSec?: number;
  timeoutSec?: number;
  /** How long to wait for a refresh to appear; none means the fleet already runs this template version. */
  startTimeoutSec?: number;
  /** Consecutive API errors tolerated before giving up. */
  maxErrors?: number;
  log?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

export async function pollInstanceRefresh(autoscaling: AutoScalingClient, o: PollOptions): Promise<RefreshOutcome> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = Date.now();
  const deadline = started + (o.timeoutSec ?? 3600) * 1000;
  let errors = 0;
  let last = '';
  while (Date.now() < deadline) {
    let refreshes: InstanceRefresh[];
    try {
      refreshes = (await autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: o.asgName, MaxRecords: 10 }))).InstanceRefreshes ?? [];
      errors = 0;
    } catch (e) {
      errors += 1;
      const msg = `DescribeInstanceRefreshes for ${o.asgName} failed (${errors}/${o.maxErrors ?? 3}): ${(e as Error).name}: ${(e as Error).message.split('\n')[0]}`;
      log(msg);
      if (errors >= (o.maxErrors ?? 3)) throw new Error(msg);
      await sleep((o.intervalSec ?? 15) * 1000);
      continue;
    }
    const ours = refreshes
      .filter((r) => r.StartTime && r.StartTime.getTime() >= o.since.getTime() - 1000)
      .sort((a, b) => b.StartTime!.getTime() - a.StartTime!.getTime())[0];
    if (ours) {
      const line = describeRefresh(ours);
      if (line !== last) log(line);
      last = line;
      const done = outcomeOf(ours);
      if (done) {
        if (!done.ok && done.rollback) log(`deploy: rolled back (${done.status}): ${done.rollback.reason ?? done.statusReason ?? 'no reason given'}`);
        return done;
      }
    } else {
      if (Date.now() - started >= (o.startTimeoutSec ?? 300) * 1000) {
        log(`deploy: no instance refresh started on ${o.asgName}: the fleet already runs this launch template version`);
        return { refreshId: '', status: 'NotStarted', ok: true, percentComplete: 100 };
      }
      if (last !== 'waiting') log(`waiting for the instance refresh of ${o.asgName} to start`);
      last = 'waiting';
    }
    await sleep((o.intervalSec ?? 15) * 1000);
  }
  throw new Error(`instance refresh of ${o.asgName} did not end within ${o.timeoutSec ?? 3600} s: check the console, it is still running`);
}
