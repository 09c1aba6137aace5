/**
 * The step of a deploy after apply: start the ASG's instance refresh to the applied launch template version
 * (StartInstanceRefresh, so a rollback returns to the version the group still names) and follow that refresh,
 * by its id, to its end.
 */
import { DescribeInstanceRefreshesCommand, StartInstanceRefreshCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { FleetStackData } from '../../cdktf/data.ts';
import { refreshInput, type FleetRollOutTarget } from './refresh-input.ts';
import { pollInstanceRefresh, type PollOptions, type RefreshOutcome } from './refresh-poller.ts';

const RUNNING = new Set(['Pending', 'InProgress', 'Baking', 'Cancelling', 'RollbackInProgress']);

export interface RollOutInput extends FleetRollOutTarget {
  data: Pick<FleetStackData, 'refresh' | 'alarms'>;
  poll?: Omit<PollOptions, 'asgName' | 'refreshId' | 'log'>;
  log?: (line: string) => void;
}

export async function rollOut(autoscaling: AutoScalingClient, input: RollOutInput): Promise<RefreshOutcome> {
  const log = input.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { asgName, launchTemplateId, launchTemplateVersion } = input;
  let refreshId: string;
  try {
    refreshId = (await autoscaling.send(new StartInstanceRefreshCommand(refreshInput(input.data, input)))).InstanceRefreshId!;
  } catch (e) {
    if ((e as Error).name !== 'InstanceRefreshInProgressFault') throw e;
    return blocked(autoscaling, asgName);
  }
  log(`deploy: instance refresh ${refreshId} started on ${asgName} to ${launchTemplateId} version ${launchTemplateVersion}`);
  return pollInstanceRefresh(autoscaling, { ...input.poll, asgName, refreshId, log });
}

/** Another refresh holds the group: name it and leave it alone (it may be someone's rollout or rollback). */
async function blocked(autoscaling: AutoScalingClient, asgName: string): Promise<RefreshOutcome> {
  const listed =
    (await autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: asgName, MaxRecords: 10 }))).InstanceRefreshes
    ?? [];
  const other = listed.find((r) => r.Status && RUNNING.has(r.Status));
  const which = other
    ? `instance refresh ${other.InstanceRefreshId} (${other.Status}, ${other.PercentageComplete ?? 0}%, started ${other.StartTime?.toISOString() ?? 'at an unknown time'})`
    : 'another instance refresh';
  return {
    refreshId: '',
    status: 'NotStarted',
    ok: false,
    percentComplete: 0,
    statusReason: `InstanceRefreshInProgress: ${which} is running on ${asgName}; kiln does not cancel a refresh it did not start: let it end (or cancel it yourself), then deploy again`,
  };
}
