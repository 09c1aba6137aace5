/** Pure: the StartInstanceRefresh request that moves a fleet's ASG to one numbered launch template version. */
import type { StartInstanceRefreshCommandInput } from '@aws-sdk/client-auto-scaling';
import type { FleetStackData } from '../../cdktf/data.ts';

/** What the applied fleet stack says: the group, and the launch template version deploy rolls it to. */
export interface FleetRollOutTarget {
  asgName: string;
  launchTemplateId: string;
  launchTemplateVersion: string;
}

export function refreshInput(d: Pick<FleetStackData, 'refresh' | 'alarms'>, t: FleetRollOutTarget): StartInstanceRefreshCommandInput {
  // Auto rollback returns to the group's numbered version; `$Latest` or `$Default` as the target would disable it.
  if (!/^[1-9]\d*$/.test(t.launchTemplateVersion))
    throw new Error(
      `launch template ${t.launchTemplateId}: version "${t.launchTemplateVersion}" is not a number (the stack's launch_template_version output)`,
    );
  return {
    AutoScalingGroupName: t.asgName,
    Strategy: 'Rolling',
    DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: t.launchTemplateId, Version: t.launchTemplateVersion } },
    Preferences: {
      MinHealthyPercentage: d.refresh.minHealthyPercentage,
      MaxHealthyPercentage: d.refresh.maxHealthyPercentage,
      InstanceWarmup: d.refresh.instanceWarmupSec,
      CheckpointPercentages: d.refresh.checkpointPercentages,
      CheckpointDelay: d.refresh.checkpointDelaySec,
      // Instances already on this version stay: a re-run deploy, or a first apply, replaces nothing.
      SkipMatching: true,
      AutoRollback: true,
      AlarmSpecification: { Alarms: d.alarms.names },
    },
  };
}
