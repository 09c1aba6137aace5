import { describe, expect, it } from 'vitest';
import { exampleFleet } from '../../cdktf/fixtures.ts';
import { refreshInput } from './refresh-input.ts';

const target = { asgName: 'kiln-fleet-nano', launchTemplateId: 'lt-0abc', launchTemplateVersion: '7' };

describe('the StartInstanceRefresh request of a deploy', () => {
  it("moves the ASG to the applied version with the fleet's preferences, skip matching, auto rollback and its alarms", () => {
    expect(refreshInput(exampleFleet, target)).toEqual({
      AutoScalingGroupName: 'kiln-fleet-nano',
      Strategy: 'Rolling',
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: 'lt-0abc', Version: '7' } },
      Preferences: {
        MinHealthyPercentage: 90,
        MaxHealthyPercentage: 200,
        InstanceWarmup: 120,
        CheckpointPercentages: [50, 100],
        CheckpointDelay: 300,
        SkipMatching: true,
        AutoRollback: true,
        AlarmSpecification: { Alarms: ['kiln-fleet-nano-5xx', 'kiln-fleet-nano-p95'] },
      },
    });
  });

  it("takes the fleet env's own refresh settings", () => {
    const d = {
      ...exampleFleet,
      refresh: { ...exampleFleet.refresh, minHealthyPercentage: 100, checkpointPercentages: [25, 100], checkpointDelaySec: 60 },
    };
    expect(refreshInput(d, target).Preferences).toMatchObject({
      MinHealthyPercentage: 100,
      CheckpointPercentages: [25, 100],
      CheckpointDelay: 60,
    });
  });

  it('refuses a version that is not a number ($Latest and $Default would leave auto rollback nothing to return to)', () => {
    for (const v of ['$Latest', '$Default', '', '0', '2.0']) {
      expect(() => refreshInput(exampleFleet, { ...target, launchTemplateVersion: v })).toThrow(/is not a number/);
    }
  });
});
