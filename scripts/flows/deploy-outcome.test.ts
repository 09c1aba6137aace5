/** A deploy's exit code follows how its instance refresh ended: only Successful (or nothing to refresh) is 0. */
import { describe, expect, it } from 'vitest';
import type { InstanceRefresh, InstanceRefreshStatus } from '@aws-sdk/client-auto-scaling';
import { outcomeOf } from '../../targets/aws/refresh-poller.ts';
import { deployOutcome, type FleetDeployResult } from './deploy-outcome.ts';

const base: FleetDeployResult = { channel: 'small.shop', amiId: 'ami-0123', version: 4, stackDir: '/w/stacks/fleet-small', applied: true };
const ended = (r: InstanceRefresh) => ({ ...base, refresh: outcomeOf({ InstanceRefreshId: 'r-1', PercentageComplete: 50, ...r })! });

describe('deploy outcome', () => {
  it('exits 0 when the refresh ended Successful', () => {
    expect(deployOutcome(ended({ Status: 'Successful', PercentageComplete: 100 }))).toEqual({
      exitCode: 0, line: 'deploy small.shop -> ami-0123 (version 4): instance refresh r-1 ended Successful at 100%',
    });
  });

  it.each<InstanceRefreshStatus>(['Failed', 'Cancelled', 'RollbackSuccessful', 'RollbackFailed'])('exits 1 when it ended %s, naming the state and why', (status) => {
    const o = deployOutcome(ended({ Status: status, StatusReason: 'alarm kiln-5xx fired', RollbackDetails: { RollbackReason: 'alarm kiln-5xx' } }));
    expect(o.exitCode).toBe(1);
    expect(o.line).toBe(`deploy small.shop -> ami-0123 (version 4): instance refresh r-1 ended ${status} at 50% (alarm kiln-5xx fired; rollback: alarm kiln-5xx)`);
  });

  it('a plan and a fleet already on that version exit 0; an applied deploy without an outcome exits 1', () => {
    expect(deployOutcome({ ...base, applied: false }).exitCode).toBe(0);
    expect(deployOutcome({ ...base, refresh: { refreshId: '', status: 'NotStarted', ok: true, percentComplete: 100 } }).exitCode).toBe(0);
    expect(deployOutcome(base).exitCode).toBe(1);
  });
});
