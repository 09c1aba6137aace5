import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { baseAmi, makeAmi, startMoto, type Moto } from './moto.testkit.ts';
import { janitor } from './janitor.ts';
import { runTags, toAwsTags } from './tags.ts';

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

const now = new Date('2026-06-01T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);

/** Everything one run leaves: an instance in its security group, a volume, a key pair, an AMI and its snapshot. */
async function leaveRun(runId: string, startedAt: Date, opts: { promoted?: boolean } = {}) {
  const tags = runTags({ runId, tier: 'nano', role: 'bake', ttlHours: 6, now: startedAt });
  const spec = (ResourceType: any) => [{ ResourceType, Tags: toAwsTags(tags) }];
  const sg = (
    await c.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: `kiln-${runId}`,
        Description: 'kiln candidate',
        TagSpecifications: spec('security-group'),
      }),
    )
  ).GroupId!;
  const key = (await c.ec2.send(new CreateKeyPairCommand({ KeyName: `kiln-${runId}`, TagSpecifications: spec('key-pair') }))).KeyName!;
  const vol = (await c.ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 10, TagSpecifications: spec('volume') })))
    .VolumeId!;
  const ami = await makeAmi(c.ec2, `kiln-nano-${runId}`, tags);
  // What promote() does to the image (the bake's TTL tag stays; promotion overrides it).
  if (opts.promoted) await c.ec2.send(new CreateTagsCommand({ Resources: [ami.amiId], Tags: [{ Key: 'kiln:promoted', Value: 'true' }] }));
  const base = await baseAmi(c.ec2);
  const inst = (
    await c.ec2.send(
      new RunInstancesCommand({
        ImageId: base,
        MinCount: 1,
        MaxCount: 1,
        SecurityGroupIds: [sg],
        KeyName: key,
        TagSpecifications: spec('instance'),
      }),
    )
  ).Instances![0].InstanceId!;
  return { sg, key, vol, ami: ami.amiId, snaps: ami.snapshotIds, inst, builder: ami.instanceId };
}

async function exists() {
  const liveInstances = (await c.ec2.send(new DescribeInstancesCommand({})))
    .Reservations!.flatMap((r) => r.Instances!)
    .filter((i) => i.State?.Name !== 'terminated' && i.State?.Name !== 'shutting-down')
    .map((i) => i.InstanceId!);
  return new Set([
    ...liveInstances,
    ...(await c.ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images!.map((i) => i.ImageId!),
    ...(await c.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots!.map((s) => s.SnapshotId!),
    ...(await c.ec2.send(new DescribeVolumesCommand({}))).Volumes!.map((v) => v.VolumeId!),
    ...(await c.ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs!.map((k) => k.KeyName!),
    ...(await c.ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups!.map((g) => g.GroupId!),
  ]);
}

describe('janitor against the emulator', () => {
  it("finds a crashed run's leftovers, removes them only with apply, and leaves promoted images and live runs alone", async () => {
    const crashed = await leaveRun('crashed', hoursAgo(30));
    const good = await leaveRun('good', hoursAgo(30), { promoted: true });
    const live = await leaveRun('live', hoursAgo(1));
    const lines: string[] = [];

    const dry = await janitor(c, { now, log: (l) => lines.push(l) });
    const expected = [
      ['instance', crashed.inst],
      ['image', crashed.ami],
      ...crashed.snaps.map((s) => ['snapshot', s]),
      ['volume', crashed.vol],
      ['key-pair', crashed.key],
      ['security-group', crashed.sg],
    ];
    // The builder instance CreateImage used carries the run tags too: it is a leftover as well.
    expected.unshift(['instance', crashed.builder]);
    const key = (l: { kind: string; id: string }) => `${l.kind}:${l.id}`;
    const goodLeftovers = [
      ['instance', good.inst],
      ['instance', good.builder],
      ['volume', good.vol],
      ['key-pair', good.key],
      ['security-group', good.sg],
    ];
    expect(dry.found.map(key).sort()).toEqual([...expected, ...goodLeftovers].map(([k, id]) => `${k}:${id}`).sort());
    expect(dry.removed).toEqual([]);
    expect(dry.kept).toEqual(
      expect.arrayContaining([
        { kind: 'image', id: good.ami, why: 'promoted' },
        ...good.snaps.map((id) => ({ kind: 'snapshot', id, why: 'used by an image that stays' })),
      ]),
    );
    expect(lines.join('\n')).toMatch(/dry run, \d+ leftover\(s\); run again with --apply/);
    const before = await exists();
    for (const [, id] of expected) expect(before.has(id)).toBe(true);

    const done = await janitor(c, { now, apply: true, log: () => {} });
    expect(done.failed).toEqual([]);
    expect(done.removed.map(key).sort()).toEqual(dry.found.map(key).sort());
    const after = await exists();
    for (const [, id] of expected) expect(after.has(id)).toBe(false);
    for (const id of [good.ami, ...good.snaps]) expect(after.has(id)).toBe(true);
    for (const id of [live.inst, live.ami, ...live.snaps, live.vol, live.key, live.sg]) expect(after.has(id)).toBe(true);

    const again = await janitor(c, { now, apply: true, log: () => {} });
    expect(again.found).toEqual([]);
  });

  it("tags an image's snapshots like the image (snapshot_tags); untagged ones of an expired image are reported, never deleted (the policy denies it)", async () => {
    const tags = runTags({ runId: 'snaps', tier: 'micro', role: 'bake', ttlHours: 2, now: hoursAgo(5) });
    const tagged = await makeAmi(c.ec2, 'kiln-micro-tagged', tags);
    const snaps = (await c.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: tagged.snapshotIds }))).Snapshots!;
    expect(snaps.length).toBeGreaterThan(0);
    for (const sn of snaps)
      expect(Object.fromEntries(sn.Tags!.map((t) => [t.Key, t.Value]))).toMatchObject({ 'kiln:tier': 'micro', 'kiln:run-id': 'snaps' });
    const bare = await makeAmi(c.ec2, 'kiln-micro-bare', tags, { untaggedSnapshots: true });
    const dry = await janitor(c, { now, log: () => {} });
    expect(
      dry.found
        .filter((l) => l.kind === 'snapshot')
        .map((l) => l.id)
        .sort(),
    ).toEqual([...tagged.snapshotIds].sort());
    expect(dry.kept).toEqual(
      expect.arrayContaining(
        bare.snapshotIds.map((id) => ({
          kind: 'snapshot',
          id,
          why: expect.stringMatching(new RegExp(`^of removed image ${bare.amiId}, no kiln:tier tag: .*RemoveOnlyWhatKilnTagged`)),
        })),
      ),
    );
    const done = await janitor(c, { now, apply: true, log: () => {} });
    expect(done.failed).toEqual([]);
    const left = (await c.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots!.map((sn) => sn.SnapshotId);
    for (const id of tagged.snapshotIds) expect(left).not.toContain(id);
    for (const id of bare.snapshotIds) expect(left).toContain(id);
    expect((await exists()).has(bare.amiId)).toBe(false);
  });

  it("reads the Packer template's tags too: kiln:ttl counted from the creation time, kiln:bake-id as the run", async () => {
    const ami = await makeAmi(c.ec2, 'kiln-web-nano-abc-bake1', { 'kiln:tier': 'nano', 'kiln:bake-id': 'bake1', 'kiln:ttl': '2h' });
    const soon = await janitor(c, { now: new Date(Date.now() + 3_600_000), log: () => {} });
    expect(soon.found.map((l) => l.id)).not.toContain(ami.amiId);
    const later = await janitor(c, { now: new Date(Date.now() + 3 * 3_600_000), log: () => {} });
    expect(later.found.find((l) => l.id === ami.amiId)).toMatchObject({ kind: 'image', runId: 'bake1', tier: 'nano' });
    expect(later.found.find((l) => l.id === ami.instanceId)).toMatchObject({ kind: 'instance', runId: 'bake1' });
  });
});

/** The tags the Packer template's run_tags put on its temporary security group (lineage + kiln:expires-at). */
const packerRunTags = (bakeId: string, startedAt: Date, ttlHours = 6) => ({
  'kiln:tier': 'nano',
  'kiln:image-hash': 'a'.repeat(64),
  'kiln:recipe': 'web',
  'kiln:bake-id': bakeId,
  'kiln:ttl': `${ttlHours}h`,
  'kiln:source-ami': 'ami-0aaaaaaaaaaaaaaaa',
  'kiln:source-ami-name': 'ubuntu-noble',
  // timeadd(timestamp(), var.ttl): RFC 3339 in whole seconds.
  'kiln:expires-at': new Date(startedAt.getTime() + ttlHours * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
});
let groups = 0;
/** The group the amazon builder creates for its build instance: packer_<uuid>, its fixed description, run_tags. */
async function packerGroup(bakeId: string, startedAt: Date): Promise<string> {
  return (
    await c.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: `packer_${bakeId}-${++groups}`,
        Description: 'Temporary group for Packer',
        TagSpecifications: [{ ResourceType: 'security-group', Tags: toAwsTags(packerRunTags(bakeId, startedAt)) }],
      }),
    )
  ).GroupId!;
}
/** An instance whose primary network interface is in `sg` and, as on AWS, goes when the instance terminates. */
async function instanceIn(sg: string, tags?: Record<string, string>): Promise<string> {
  return (
    await c.ec2.send(
      new RunInstancesCommand({
        ImageId: await baseAmi(c.ec2),
        MinCount: 1,
        MaxCount: 1,
        NetworkInterfaces: [{ DeviceIndex: 0, Groups: [sg], DeleteOnTermination: true }],
        ...(tags ? { TagSpecifications: [{ ResourceType: 'instance', Tags: toAwsTags(tags) }] } : {}),
      }),
    )
  ).Instances![0].InstanceId!;
}

describe("Packer's temporary security group", () => {
  it('expired and unused is removed; unexpired, or held by an instance that stays, is kept', async () => {
    const gone = await packerGroup('crashed', hoursAgo(30));
    const young = await packerGroup('running', hoursAgo(1));
    const held = await packerGroup('held', hoursAgo(30));
    // Held by an instance the janitor does not remove (not kiln's, so never a leftover).
    const holder = await instanceIn(held);
    // Held by the crashed bake's own build instance: both go, the instance first.
    const withBuilder = await packerGroup('crashed-2', hoursAgo(30));
    const builder = await instanceIn(withBuilder, packerRunTags('crashed-2', hoursAgo(30)));
    const dry = await janitor(c, { now, log: () => {} });
    const ids = dry.found.map((l) => `${l.kind}:${l.id}`);
    expect(ids).toEqual(expect.arrayContaining([`security-group:${gone}`, `security-group:${withBuilder}`, `instance:${builder}`]));
    expect(ids.indexOf(`instance:${builder}`)).toBeLessThan(ids.indexOf(`security-group:${withBuilder}`));
    expect(ids).not.toContain(`security-group:${young}`);
    expect(ids).not.toContain(`security-group:${held}`);
    expect(dry.kept).toContainEqual({
      kind: 'security-group',
      id: held,
      why: expect.stringMatching(new RegExp(`^in use by eni-\\w+ \\(${holder}\\)$`)),
    });
    expect(dry.found.find((l) => l.id === gone)).toMatchObject({ runId: 'crashed', tier: 'nano', expiresAt: hoursAgo(24).toISOString() });

    const done = await janitor(c, { now, apply: true, log: () => {} });
    expect(done.failed).toEqual([]);
    const after = await exists();
    for (const id of [gone, withBuilder, builder]) expect(after.has(id)).toBe(false);
    for (const id of [young, held, holder]) expect(after.has(id)).toBe(true);
    // Once its holder is gone, the expired group goes on the next run.
    await c.ec2.send(new TerminateInstancesCommand({ InstanceIds: [holder] }));
    const later = await janitor(c, { now, apply: true, log: () => {} });
    expect(later.removed.map((l) => l.id)).toEqual([held]);
  });
});

describe('every removal the janitor attempts is one docs/iam-policy.json allows', () => {
  const policy = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../docs/iam-policy.json'), 'utf8'));
  const ACCOUNT = '123456789012';
  const REGION = 'us-east-1';
  const fill = (s: string, buildVpc: string) =>
    s.replaceAll('${KILN_REGION}', REGION).replaceAll('${KILN_ACCOUNT}', ACCOUNT).replaceAll('${KILN_BUILD_VPC}', buildVpc);
  const glob = (pattern: string, value: string) =>
    new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.?+^$()[\]{}|\\/]/g, '\\$&'))
        .join('.*')}$`,
    ).test(value);
  interface Target {
    arn: string;
    tags: Record<string, string>;
    vpcArn?: string;
  }
  /** The Sids of the Allow statements granting `action` on `t` (resource pattern and every condition), for the operators the policy uses. */
  function grants(action: string, t: Target, buildVpc: string): string[] {
    const key = (k: string): string | undefined =>
      k.startsWith('aws:ResourceTag/')
        ? t.tags[k.slice('aws:ResourceTag/'.length)]
        : k === 'aws:RequestedRegion'
          ? REGION
          : k === 'ec2:Vpc'
            ? t.vpcArn
            : undefined;
    return policy.Statement.filter(
      (s: any) =>
        s.Effect === 'Allow'
        && [s.Action].flat().includes(action)
        && [s.Resource].flat().some((r: string) => glob(fill(r, buildVpc), t.arn))
        && Object.entries(s.Condition ?? {}).every(([op, kv]) =>
          Object.entries(kv as Record<string, string>).every(([k, want]) => {
            const got = key(k);
            if (op === 'Null') return (got === undefined) === (want === 'true');
            if (op === 'StringEquals') return got === fill(want, buildVpc);
            if (op === 'StringLike') return got !== undefined && glob(fill(want, buildVpc), got);
            return false;
          }),
        ),
    ).map((s: any) => s.Sid);
  }

  it('removes only what carries kiln:tier (RemoveOnlyWhatKilnTagged), reports the rest, and sends no call the policy would deny', async () => {
    const crashed = await leaveRun('crashed', hoursAgo(30));
    const bare = await makeAmi(
      c.ec2,
      'kiln-nano-bare',
      runTags({ runId: 'bare', tier: 'nano', role: 'bake', ttlHours: 2, now: hoursAgo(5) }),
      { untaggedSnapshots: true },
    );
    const packerSg = await packerGroup('crashed', hoursAgo(30));
    // Expiry tag but no kiln:tier (written by hand or by another tool): the policy denies removing it.
    const stray = (
      await c.ec2.send(
        new CreateVolumeCommand({
          AvailabilityZone: 'us-east-1a',
          Size: 1,
          TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'kiln:expires-at', Value: hoursAgo(10).toISOString() }] }],
        }),
      )
    ).VolumeId!;
    // The bake's VPC is another one: the Packer-group statement grants nothing here, only the tag condition can.
    const buildVpc = (await c.ec2.send(new CreateVpcCommand({ CidrBlock: '10.77.0.0/16' }))).Vpc!.VpcId!;

    const targets = new Map<string, Target>();
    const arn = (type: string, id: string, owned = true) => `arn:aws:ec2:${REGION}:${owned ? ACCOUNT : ''}:${type}/${id}`;
    const tagsOf = (tags?: { Key?: string; Value?: string }[]) => Object.fromEntries((tags ?? []).map((t) => [t.Key!, t.Value ?? '']));
    for (const r of (await c.ec2.send(new DescribeInstancesCommand({}))).Reservations!)
      for (const i of r.Instances!) targets.set(i.InstanceId!, { arn: arn('instance', i.InstanceId!), tags: tagsOf(i.Tags) });
    for (const i of (await c.ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images!)
      targets.set(i.ImageId!, { arn: arn('image', i.ImageId!, false), tags: tagsOf(i.Tags) });
    for (const sn of (await c.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots!)
      targets.set(sn.SnapshotId!, { arn: arn('snapshot', sn.SnapshotId!, false), tags: tagsOf(sn.Tags) });
    for (const v of (await c.ec2.send(new DescribeVolumesCommand({}))).Volumes!)
      targets.set(v.VolumeId!, { arn: arn('volume', v.VolumeId!), tags: tagsOf(v.Tags) });
    for (const k of (await c.ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs!)
      targets.set(k.KeyName!, { arn: arn('key-pair', k.KeyName!), tags: tagsOf(k.Tags) });
    for (const g of (await c.ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups!) {
      targets.set(g.GroupId!, { arn: arn('security-group', g.GroupId!), tags: tagsOf(g.Tags), vpcArn: arn('vpc', g.VpcId!) });
    }

    const recorder = moto.clients();
    const sent: Array<{ action: string; ids: string[] }> = [];
    const idsOf = (input: any): string[] =>
      [input.InstanceIds, input.ImageId, input.SnapshotId, input.VolumeId, input.KeyName, input.GroupId].flat().filter(Boolean);
    recorder.ec2.middlewareStack.add(
      (next, context) => async (args) => {
        const name = String(context.commandName ?? '');
        if (!name.startsWith('Describe')) sent.push({ action: `ec2:${name.replace(/Command$/, '')}`, ids: idsOf(args.input) });
        return next(args);
      },
      { step: 'initialize', name: 'recordCalls' },
    );

    const done = await janitor({ ec2: recorder.ec2 }, { now, apply: true, log: () => {} });
    expect(done.failed).toEqual([]);
    expect(sent.length).toBeGreaterThanOrEqual(9);
    for (const call of sent) {
      for (const id of call.ids)
        expect({ ...call, id, by: grants(call.action, targets.get(id)!, buildVpc) }).toEqual({
          ...call,
          id,
          by: ['RemoveOnlyWhatKilnTagged'],
        });
    }
    const touched = new Set(sent.flatMap((x) => x.ids));
    for (const id of [crashed.inst, crashed.ami, ...crashed.snaps, crashed.vol, crashed.key, crashed.sg, packerSg, bare.amiId])
      expect(touched).toContain(id);
    for (const id of [stray, ...bare.snapshotIds]) {
      expect(touched).not.toContain(id);
      expect(done.kept.find((k) => k.id === id)?.why).toMatch(
        /no kiln:tier tag: kiln's IAM policy \(RemoveOnlyWhatKilnTagged\) denies removing it/,
      );
    }
    // The evaluator can say no: the same calls on those would be denied.
    expect(grants('ec2:DeleteVolume', targets.get(stray)!, buildVpc)).toEqual([]);
    expect(grants('ec2:DeleteSnapshot', targets.get(bare.snapshotIds[0])!, buildVpc)).toEqual([]);
  });
});
