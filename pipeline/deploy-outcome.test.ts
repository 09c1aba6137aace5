/** A deploy's exit code follows how its instance refresh ended: only Successful is 0. */
import { describe, expect, it } from 'vitest';
import type { InstanceRefresh, InstanceRefreshStatus } from '@aws-sdk/client-auto-scaling';
import { outcomeOf } from '../targets/aws/refresh-poller.ts';
import { deployOutcome, type FleetDeployResult } from './deploy-outcome.ts';

const base: FleetDeployResult = { channel: 'small.shop', amiId: 'ami-0123', version: 4, stackDir: '/w/stacks/fleet-small', applied: true };
const ended = (r: InstanceRefresh) => ({ ...base, refresh: outcomeOf({ InstanceRefreshId: 'r-1', PercentageComplete: 50, ...r })! });
const what = 'deploy small.shop -> ami-0123 (version 4)';

describe('deploy outcome', () => {
  it('exits 0 when the refresh ended Successful', () => {
    expect(deployOutcome(ended({ Status: 'Successful', PercentageComplete: 100, InstancesToUpdate: 0 }))).toEqual({
      exitCode: 0,
      line: `${what}: instance refresh r-1 ended Successful at 100%`,
    });
  });

  it("says where the fleet serves once it ended Successful behind kiln's balancer, and only then", () => {
    const url = 'https://kiln-fleet-small-1.eu-west-1.elb.amazonaws.com/';
    expect(deployOutcome({ ...ended({ Status: 'Successful', PercentageComplete: 100 }), url }).line).toBe(
      `${what}: instance refresh r-1 ended Successful at 100%, serving at ${url}`,
    );
    expect(deployOutcome({ ...ended({ Status: 'Cancelled', PercentageComplete: 40 }), url }).line).not.toContain('serving');
  });

  it.each<InstanceRefreshStatus>(['RollbackSuccessful', 'RollbackFailed'])(
    'exits 1 when it ended %s, naming the state, the alarm and how far it got',
    (status) => {
      const o = deployOutcome(
        ended({
          Status: status,
          PercentageComplete: 100,
          StatusReason: 'alarm kiln-5xx in ALARM',
          RollbackDetails: { RollbackReason: 'alarm kiln-5xx in ALARM', PercentageCompleteOnRollback: 50, InstancesToUpdateOnRollback: 1 },
        }),
      );
      expect(o.exitCode).toBe(1);
      expect(o.line).toBe(
        `${what}: instance refresh r-1 ended ${status} at 100% (alarm kiln-5xx in ALARM; rollback from 50%: alarm kiln-5xx in ALARM)`,
      );
    },
  );

  it.each<InstanceRefreshStatus>(['Failed', 'Cancelled'])(
    'exits 1 when it ended %s, with the reason and the instances left on the old version',
    (status) => {
      const o = deployOutcome(ended({ Status: status, StatusReason: 'it stopped', InstancesToUpdate: 2 }));
      expect(o).toEqual({
        exitCode: 1,
        line: `${what}: instance refresh r-1 ended ${status} at 50% (it stopped; 2 instance(s) not replaced)`,
      });
    },
  );

  it('exits 1 when another refresh kept deploy from starting one, saying which', () => {
    const o = deployOutcome({
      ...base,
      refresh: {
        refreshId: '',
        status: 'NotStarted',
        ok: false,
        percentComplete: 0,
        statusReason: 'InstanceRefreshInProgress: instance refresh r-9 is running',
      },
    });
    expect(o).toEqual({
      exitCode: 1,
      line: `${what}: applied, but no instance refresh was started (InstanceRefreshInProgress: instance refresh r-9 is running)`,
    });
  });

  it('a plan exits 0; an applied deploy without an outcome exits 1', () => {
    expect(deployOutcome({ ...base, applied: false }).exitCode).toBe(0);
    expect(deployOutcome(base).exitCode).toBe(1);
  });
});
