// The step of a deploy after apply, against the emulator's instance refreshes (targets/aws/emulator/ext_instance_refresh.py):
// each DescribeInstanceRefreshes advances the refresh one step, so the poll's sleep hook is where other parties act.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DeregisterImageCommand,
  DescribeInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CancelInstanceRefreshCommand,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  RollbackInstanceRefreshCommand,
  StartInstanceRefreshCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { deployOutcome } from '../../pipeline/deploy-outcome.ts';
import { makeAmi, putAlarm, setAlarmState, startMoto, type Moto } from './moto.testkit.ts';
import { refreshInput } from './refresh-input.ts';
import { pollInstanceRefresh, type RefreshOutcome } from './refresh-poller.ts';
import { rollOut } from './roll-out.ts';

let moto: Moto;
let c: ReturnType<Moto['clients']>;
beforeAll(async () => {
  moto = await startMoto();
  c = moto.clients();
});
afterAll(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
});

const ASG = 'kiln-fleet-nano';
const ALARM = 'kiln-fleet-nano-5xx';
// Capacity 2 at 50% minimum healthy: one instance per batch, a checkpoint after the first.
const data = {
  refresh: {
    minHealthyPercentage: 50,
    maxHealthyPercentage: 100,
    instanceWarmupSec: 60,
    checkpointPercentages: [50, 100],
    checkpointDelaySec: 60,
  },
  alarms: { names: [ALARM] },
};

/** A fleet as the stack leaves it: launch template versions 1 (running) and 2 (just applied), the ASG on `onVersion`. */
async function fleet(onVersion = '1', groupNames: 'id' | 'name' = 'id') {
  const v1 = await makeAmi(c.ec2, 'kiln-nano-v1');
  const v2 = await makeAmi(c.ec2, 'kiln-nano-v2');
  const lt = await c.ec2.send(
    new CreateLaunchTemplateCommand({ LaunchTemplateName: ASG, LaunchTemplateData: { ImageId: v1.amiId, InstanceType: 't3.nano' } }),
  );
  const ltId = lt.LaunchTemplate!.LaunchTemplateId!;
  await c.ec2.send(
    new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: ltId, LaunchTemplateData: { ImageId: v2.amiId, InstanceType: 't3.nano' } }),
  );
  await c.autoscaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: ASG,
      MinSize: 2,
      MaxSize: 4,
      DesiredCapacity: 2,
      AvailabilityZones: ['us-east-1a'],
      LaunchTemplate:
        groupNames === 'id' ? { LaunchTemplateId: ltId, Version: onVersion } : { LaunchTemplateName: ASG, Version: onVersion },
    }),
  );
  await putAlarm(moto.endpoint, ALARM);
  const before = await group();
  return { ltId, v1: v1.amiId, v2: v2.amiId, before };
}

/** The group's launch template and what its instances run. */
async function group() {
  const g = (await c.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [ASG] }))).AutoScalingGroups![0];
  const ids = (g.Instances ?? []).map((i) => i.InstanceId!);
  const described = ids.length
    ? (await c.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }))).Reservations!.flatMap((r) => r.Instances!)
    : [];
  return { version: g.LaunchTemplate?.Version, ids: ids.sort(), images: described.map((i) => i.ImageId!).sort() };
}

/** Runs the deploy step, calling `between(n, lastLine)` after the n-th poll that did not end it. */
async function roll(ltId: string, between: (n: number, last: string) => Promise<void> = async () => {}) {
  const lines: string[] = [];
  let n = 0;
  const sleep = async () => {
    n += 1;
    await between(n, lines.at(-1) ?? '');
  };
  const outcome = await rollOut(c.autoscaling, {
    asgName: ASG,
    launchTemplateId: ltId,
    launchTemplateVersion: '2',
    data,
    poll: { sleep, timeoutSec: 60 },
    log: (l) => lines.push(l),
  });
  return {
    outcome,
    lines,
    exit: deployOutcome({ channel: 'nano', amiId: 'ami-x', version: 2, stackDir: 'stacks/fleet-nano', applied: true, refresh: outcome }),
  };
}

const refreshesOf = async () =>
  (await c.autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: ASG }))).InstanceRefreshes ?? [];

describe('rolling the fleet to the applied launch template version', () => {
  it('Successful: every instance replaced through the checkpoint, and only then the ASG on version 2', async () => {
    const f = await fleet();
    const versions: (string | undefined)[] = [];
    const r = await roll(f.ltId, async () => {
      versions.push((await group()).version);
    });
    expect(r.outcome).toMatchObject({ status: 'Successful', ok: true, percentComplete: 100, instancesToUpdate: 0 });
    expect(r.lines.some((l) => /InProgress, 50%, 1 instance\(s\) to update, Waiting for checkpoint at 50%/.test(l))).toBe(true);
    // The group names the new version only once the refresh has succeeded.
    expect(versions.every((v) => v === '1')).toBe(true);
    const after = await group();
    expect(after.version).toBe('2');
    expect(after.images).toEqual([f.v2, f.v2]);
    expect(after.ids.some((id) => f.before.ids.includes(id))).toBe(false);
    expect(r.exit.exitCode).toBe(0);
  });

  it("a group created with the launch template's name moves to the version given by id", async () => {
    const f = await fleet('1', 'name');
    const r = await roll(f.ltId);
    expect(r.outcome.status).toBe('Successful');
    const g = (await c.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [ASG] }))).AutoScalingGroups![0];
    expect(g.LaunchTemplate).toMatchObject({ LaunchTemplateId: f.ltId, LaunchTemplateName: ASG, Version: '2' });
    expect((await group()).images).toEqual([f.v2, f.v2]);
  });

  it('skip matching: a fleet already on the version ends Successful without replacing an instance', async () => {
    const f = await fleet('2');
    const r = await roll(f.ltId);
    expect(r.outcome).toMatchObject({ status: 'Successful', instancesToUpdate: 0 });
    expect((await group()).ids).toEqual(f.before.ids);
    expect(r.exit.exitCode).toBe(0);
  });

  it('an alarm in ALARM mid-refresh rolls back to the version the ASG had: RollbackSuccessful, exit 1 naming the alarm', async () => {
    const f = await fleet();
    const r = await roll(f.ltId, async (_n, last) => {
      if (/InProgress, 50%/.test(last)) await setAlarmState(moto.endpoint, ALARM, 'ALARM', '5xx above 10 per minute');
    });
    expect(r.outcome).toMatchObject({
      status: 'RollbackSuccessful',
      ok: false,
      rollback: { percentCompleteOnRollback: 50, instancesToUpdateOnRollback: 1 },
    });
    expect(r.outcome.rollback!.reason).toContain(ALARM);
    const after = await group();
    expect(after.version).toBe('1');
    expect(after.images).toEqual([f.v1, f.v1]);
    expect(r.exit.exitCode).toBe(1);
    expect(r.exit.line).toMatch(new RegExp(`ended RollbackSuccessful .*rollback from 50%: .*${ALARM}`));
  });

  it('an alarm already in ALARM stops the refresh before it replaces anything', async () => {
    const f = await fleet();
    await setAlarmState(moto.endpoint, ALARM, 'ALARM', 'already firing');
    const r = await roll(f.ltId);
    expect(r.outcome).toMatchObject({
      status: 'RollbackSuccessful',
      rollback: { percentCompleteOnRollback: 0, instancesToUpdateOnRollback: 2 },
    });
    expect(await group()).toEqual(f.before);
  });

  it('an image that no longer exists cannot launch: the refresh rolls back and says which image', async () => {
    const f = await fleet();
    await c.ec2.send(new DeregisterImageCommand({ ImageId: f.v2 }));
    const r = await roll(f.ltId);
    expect(r.outcome.status).toBe('RollbackSuccessful');
    expect(r.outcome.statusReason).toContain(f.v2);
    expect((await group()).version).toBe('1');
    expect(r.exit).toMatchObject({ exitCode: 1 });
    expect(r.exit.line).toContain(f.v2);
  });

  it('RollbackFailed when the previous image is gone too, exit 1', async () => {
    const f = await fleet();
    const r = await roll(f.ltId, async (_n, last) => {
      if (/InProgress, 50%/.test(last)) {
        await c.ec2.send(new DeregisterImageCommand({ ImageId: f.v1 }));
        await setAlarmState(moto.endpoint, ALARM, 'ALARM', 'breached');
      }
    });
    expect(r.outcome.status).toBe('RollbackFailed');
    expect(r.outcome.statusReason).toContain(f.v1);
    expect(r.exit.exitCode).toBe(1);
  });

  it('Failed without auto rollback (a refresh started by hand with the same request): the ASG stays where it was', async () => {
    const f = await fleet();
    await c.ec2.send(new DeregisterImageCommand({ ImageId: f.v2 }));
    const req = refreshInput(data, { asgName: ASG, launchTemplateId: f.ltId, launchTemplateVersion: '2' });
    const { InstanceRefreshId } = await c.autoscaling.send(
      new StartInstanceRefreshCommand({ ...req, Preferences: { ...req.Preferences, AutoRollback: false } }),
    );
    const outcome = await pollInstanceRefresh(c.autoscaling, {
      asgName: ASG,
      refreshId: InstanceRefreshId!,
      sleep: async () => {},
      log: () => {},
    });
    expect(outcome).toMatchObject({ status: 'Failed', ok: false, instancesToUpdate: 2 });
    expect(outcome.rollback).toBeUndefined();
    expect(outcome.statusReason).toContain(f.v2);
    expect(await group()).toEqual(f.before);
    expect(deployOutcome({ channel: 'nano', amiId: f.v2, version: 2, stackDir: 's', applied: true, refresh: outcome })).toMatchObject({
      exitCode: 1,
    });
  });

  it('Cancelled by another party during the poll: exit 1, replaced instances stay, the ASG still names version 1', async () => {
    const f = await fleet();
    const r = await roll(f.ltId, async (_n, last) => {
      if (/InProgress, 50%/.test(last)) await c.autoscaling.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: ASG }));
    });
    expect(r.outcome).toMatchObject({ status: 'Cancelled', ok: false, percentComplete: 50, instancesToUpdate: 1 });
    const after = await group();
    expect(after.version).toBe('1');
    expect(after.images.sort()).toEqual([f.v1, f.v2].sort());
    expect(r.exit).toMatchObject({ exitCode: 1 });
    expect(r.exit.line).toMatch(/ended Cancelled at 50% \(.*1 instance\(s\) not replaced\)/);
  });

  it('rolled back by another party (RollbackInstanceRefresh) during the poll: RollbackSuccessful, exit 1', async () => {
    const f = await fleet();
    const r = await roll(f.ltId, async (n) => {
      if (n === 2) await c.autoscaling.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: ASG }));
    });
    expect(r.outcome.status).toBe('RollbackSuccessful');
    expect(await group()).toMatchObject({ version: '1', images: [f.v1, f.v1] });
    expect(r.exit.exitCode).toBe(1);
  });

  it('InstanceRefreshInProgress: names the running refresh, exit 1, and leaves it running', async () => {
    const f = await fleet();
    const { InstanceRefreshId: theirs } = await c.autoscaling.send(
      new StartInstanceRefreshCommand({ AutoScalingGroupName: ASG, Preferences: { MinHealthyPercentage: 50 } }),
    );
    const r = await roll(f.ltId);
    expect(r.outcome).toMatchObject<Partial<RefreshOutcome>>({ status: 'NotStarted', ok: false, refreshId: '' });
    expect(r.outcome.statusReason).toContain(theirs);
    expect(r.exit.exitCode).toBe(1);
    expect(r.exit.line).toMatch(new RegExp(`no instance refresh was started \\(InstanceRefreshInProgress: instance refresh ${theirs} \\(`));
    const listed = await refreshesOf();
    expect(listed).toHaveLength(1);
    expect(listed[0].InstanceRefreshId).toBe(theirs);
    expect(['Pending', 'InProgress']).toContain(listed[0].Status);
  });

  it('a refresh id the group does not list is reported after maxErrors polls, not waited on', async () => {
    await fleet();
    const lines: string[] = [];
    const err = await pollInstanceRefresh(c.autoscaling, {
      asgName: ASG,
      refreshId: 'not-ours',
      maxErrors: 2,
      sleep: async () => {},
      log: (l) => lines.push(l),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/DescribeInstanceRefreshes for kiln-fleet-nano failed \(2\/2\): .*refresh not-ours is not listed/);
    expect(lines).toHaveLength(2);
  });

  it('follows its own refresh by id, never an older one of the same group', async () => {
    const f = await fleet();
    const old = await c.autoscaling.send(
      new StartInstanceRefreshCommand({ AutoScalingGroupName: ASG, Preferences: { MinHealthyPercentage: 50 } }),
    );
    await c.autoscaling.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: ASG }));
    await refreshesOf();
    const r = await roll(f.ltId);
    expect(r.outcome.refreshId).not.toBe(old.InstanceRefreshId);
    expect(r.outcome.status).toBe('Successful');
  });
});

describe('why deploy starts the refresh itself', () => {
  it('a group moved to the new version before its refresh (Terraform\'s order) "rolls back" onto that new version', async () => {
    const f = await fleet();
    await c.autoscaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: ASG, LaunchTemplate: { LaunchTemplateId: f.ltId, Version: '2' } }),
    );
    const r = await roll(f.ltId, async (_n, last) => {
      if (/InProgress, 50%/.test(last)) await setAlarmState(moto.endpoint, ALARM, 'ALARM', 'breached');
    });
    expect(r.outcome.status).toBe('RollbackSuccessful');
    // The group still names the bad version: its next launch (or scale-out) runs the image the alarm rejected.
    const after = await group();
    expect(after.version).toBe('2');
    expect(after.images).toContain(f.v2);
  });
});
