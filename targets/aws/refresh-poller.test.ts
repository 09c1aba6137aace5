// Pure functions over the SDK's InstanceRefresh type; roll-out.test.ts drives the poller against the emulator's refreshes.
import { describe, expect, it } from 'vitest';
import type { InstanceRefresh } from '@aws-sdk/client-auto-scaling';
import { describeRefresh, outcomeOf } from './refresh-poller.ts';

const base: InstanceRefresh = {
  InstanceRefreshId: 'r-1',
  AutoScalingGroupName: 'kiln-fleet-nano',
  StartTime: new Date('2026-01-01T00:00:00Z'),
};

describe('instance refresh interpretation', () => {
  it('keeps polling while in progress, at a checkpoint, or baking', () => {
    for (const Status of ['Pending', 'InProgress', 'Baking', 'RollbackInProgress', 'Cancelling'] as const) {
      expect(outcomeOf({ ...base, Status })).toBeNull();
    }
    expect(
      describeRefresh({
        ...base,
        Status: 'InProgress',
        PercentageComplete: 50,
        InstancesToUpdate: 1,
        StatusReason: 'Waiting for checkpoint',
      }),
    ).toBe('refresh r-1: InProgress, 50%, 1 instance(s) to update, Waiting for checkpoint');
  });

  it('ends ok only on Successful, and reports the rollback otherwise', () => {
    expect(outcomeOf({ ...base, Status: 'Successful', PercentageComplete: 100, InstancesToUpdate: 0 })).toMatchObject({
      ok: true,
      status: 'Successful',
      instancesToUpdate: 0,
    });
    const rolled = outcomeOf({
      ...base,
      Status: 'RollbackSuccessful',
      PercentageComplete: 0,
      StatusReason: 'alarm kiln-fleet-nano-5xx in ALARM',
      RollbackDetails: {
        RollbackReason: 'Alarm kiln-fleet-nano-5xx breached',
        RollbackStartTime: new Date('2026-01-01T00:10:00Z'),
        PercentageCompleteOnRollback: 50,
        InstancesToUpdateOnRollback: 1,
      },
    });
    expect(rolled).toMatchObject({
      ok: false,
      status: 'RollbackSuccessful',
      rollback: {
        reason: 'Alarm kiln-fleet-nano-5xx breached',
        startedAt: '2026-01-01T00:10:00.000Z',
        percentCompleteOnRollback: 50,
        instancesToUpdateOnRollback: 1,
      },
    });
    for (const Status of ['Failed', 'Cancelled', 'RollbackFailed'] as const) expect(outcomeOf({ ...base, Status })!.ok).toBe(false);
  });
});
