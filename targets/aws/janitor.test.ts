import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CreateKeyPairCommand, CreateSecurityGroupCommand, CreateTagsCommand, CreateVolumeCommand, DescribeImagesCommand,
  DescribeInstancesCommand, DescribeKeyPairsCommand, DescribeSecurityGroupsCommand, DescribeSnapshotsCommand,
  DescribeVolumesCommand, RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { baseAmi, makeAmi, startMoto, type Moto } from './moto.testkit.ts';
import { janitor } from './janitor.ts';
import { runTags, toAwsTags } from './tags.ts';

let moto: Moto;
let c: ReturnType<Moto['clients']>;
beforeAll(async () => { moto = await startMoto(); c = moto.clients(); });
afterAll(async () => { await moto?.stop(); });
beforeEach(async () => { await moto.reset(); });

const now = new Date('2026-06-01T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);

/** Everything one run leaves: an instance in its security group, a volume, a key pair, an AMI and its snapshot. */
async function leaveRun(runId: string, startedAt: Date, opts: { promoted?: boolean } = {}) {
  const tags = runTags({ runId, tier: 'nano', role: 'bake', ttlHours: 6, now: startedAt });
  const spec = (ResourceType: any) => [{ ResourceType, Tags: toAwsTags(tags) }];
  const sg = (await c.ec2.send(new CreateSecurityGroupCommand({ GroupName: `kiln-${runId}`, Description: 'kiln candidate', TagSpecifications: spec('security-group') }))).GroupId!;
  const key = (await c.ec2.send(new CreateKeyPairCommand({ KeyName: `kiln-${runId}`, TagSpecifications: spec('key-pair') }))).KeyName!;
  const vol = (await c.ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 10, TagSpecifications: spec('volume') }))).VolumeId!;
  const ami = await makeAmi(c.ec2, `kiln-nano-${runId}`, tags);
  // What promote() does to the image (the bake's TTL tag stays; promotion overrides it).
  if (opts.promoted) await c.ec2.send(new CreateTagsCommand({ Resources: [ami.amiId], Tags: [{ Key: 'kiln:promoted', Value: 'true' }] }));
  // Packer's snapshot_tags put the same tags on the AMI's snapshots.
  await c.ec2.send(new CreateTagsCommand({ Resources: ami.snapshotIds, Tags: toAwsTags(tags) }));
  const base = await baseAmi(c.ec2);
  const inst = (await c.ec2.send(new RunInstancesCommand({
    ImageId: base, MinCount: 1, MaxCount: 1, SecurityGroupIds: [sg], KeyName: key, TagSpecifications: spec('instance'),
  }))).Instances![0].InstanceId!;
  return { sg, key, vol, ami: ami.amiId, snaps: ami.snapshotIds, inst, builder: ami.instanceId };
}

async function exists() {
  const liveInstances = (await c.ec2.send(new DescribeInstancesCommand({}))).Reservations!.flatMap((r) => r.Instances!)
    .filter((i) => i.State?.Name !== 'terminated' && i.State?.Name !== 'shutting-down').map((i) => i.InstanceId!);
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
  it('finds a crashed run\'s leftovers, removes them only with apply, and leaves promoted images and live runs alone', async () => {
    const crashed = await leaveRun('crashed', hoursAgo(30));
    const good = await leaveRun('good', hoursAgo(30), { promoted: true });
    const live = await leaveRun('live', hoursAgo(1));
    const lines: string[] = [];

    const dry = await janitor(c, { now, log: (l) => lines.push(l) });
    const expected = [
      ['instance', crashed.inst], ['image', crashed.ami], ...crashed.snaps.map((s) => ['snapshot', s]),
      ['volume', crashed.vol], ['key-pair', crashed.key], ['security-group', crashed.sg],
    ];
    // The builder instance CreateImage used carries the run tags too: it is a leftover as well.
    expected.unshift(['instance', crashed.builder]);
    const key = (l: { kind: string; id: string }) => `${l.kind}:${l.id}`;
    const goodLeftovers = [['instance', good.inst], ['instance', good.builder], ['volume', good.vol], ['key-pair', good.key], ['security-group', good.sg]];
    expect(dry.found.map(key).sort()).toEqual([...expected, ...goodLeftovers].map(([k, id]) => `${k}:${id}`).sort());
    expect(dry.removed).toEqual([]);
    expect(dry.kept).toEqual(expect.arrayContaining([
      { kind: 'image', id: good.ami, why: 'promoted' },
      ...good.snaps.map((id) => ({ kind: 'snapshot', id, why: 'used by an image that stays' })),
    ]));
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

  it('removes the untagged snapshots of an expired image along with it', async () => {
    const tags = runTags({ runId: 'untagged-snap', tier: 'micro', role: 'bake', ttlHours: 2, now: hoursAgo(5) });
    const ami = await makeAmi(c.ec2, 'kiln-micro-x', tags);
    const dry = await janitor(c, { now, log: () => {} });
    expect(dry.found.filter((l) => l.kind === 'snapshot').map((l) => [l.id, l.runId])).toEqual(ami.snapshotIds.map((s) => [s, 'untagged-snap']));
    await janitor(c, { now, apply: true, log: () => {} });
    const left = (await c.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots!.map((s) => s.SnapshotId);
    for (const s of ami.snapshotIds) expect(left).not.toContain(s);
  });

  it('reads the Packer template\'s tags too: kiln:ttl counted from the creation time, kiln:bake-id as the run', async () => {
    const ami = await makeAmi(c.ec2, 'kiln-web-nano-abc-bake1', { 'kiln:tier': 'nano', 'kiln:bake-id': 'bake1', 'kiln:ttl': '2h' });
    const soon = await janitor(c, { now: new Date(Date.now() + 3_600_000), log: () => {} });
    expect(soon.found.map((l) => l.id)).not.toContain(ami.amiId);
    const later = await janitor(c, { now: new Date(Date.now() + 3 * 3_600_000), log: () => {} });
    expect(later.found.find((l) => l.id === ami.amiId)).toMatchObject({ kind: 'image', runId: 'bake1', tier: 'nano' });
    expect(later.found.find((l) => l.id === ami.instanceId)).toMatchObject({ kind: 'instance', runId: 'bake1' });
  });
});
