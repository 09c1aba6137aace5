/**
 * Finds what a crashed bake or verify left behind (instances, volumes, AMIs and their snapshots, key
 * pairs, security groups) by kiln's tags: past `kiln:expires-at` and not `kiln:promoted=true`.
 * Dry run by default; `apply` removes, dependents first. Promoted images and their snapshots are
 * never touched, whatever their expiry. A security group (Packer's temporary one included: the template's
 * run_tags give it kiln's tags and an absolute expiry, as it has no creation time) stays while a network
 * interface of anything but an instance removed in the same run uses it. Nothing without `kiln:tier` is
 * ever removed: kiln's IAM policy (docs/iam-policy.json, RemoveOnlyWhatKilnTagged) denies it, so the janitor
 * reports it instead of attempting a call that can only fail.
 */
import {
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { expiryOf, TAG, tagMap, type AwsTag } from './tags.ts';

export type LeftoverKind = 'instance' | 'image' | 'snapshot' | 'volume' | 'key-pair' | 'security-group';
/** Removal order: what holds a resource goes before it. */
const ORDER: LeftoverKind[] = ['instance', 'image', 'snapshot', 'volume', 'key-pair', 'security-group'];

export interface Leftover {
  kind: LeftoverKind;
  id: string;
  runId?: string;
  tier?: string;
  expiresAt: string;
}
export interface JanitorReport {
  apply: boolean;
  found: Leftover[];
  removed: Leftover[];
  failed: Array<Leftover & { error: string }>;
  /** Expired, but kept: promoted images and snapshots they still use, security groups in use, what the policy does not let kiln remove. */
  kept: Array<{ kind: LeftoverKind; id: string; why: string }>;
}

// Either tag marks a kiln resource with a lifetime (EC2 ORs the values of one filter).
const kilnFilter = [{ Name: 'tag-key', Values: [TAG.expiresAt, TAG.ttl] }];

interface Tagged {
  kind: LeftoverKind;
  id: string;
  tags: Record<string, string>;
  createdAt?: Date;
}
/** A network interface that holds a security group, and the instance it is attached to, if any. */
export interface GroupUser {
  eni: string;
  instanceId?: string;
}

/** The condition of the policy's RemoveOnlyWhatKilnTagged statement (Null aws:ResourceTag/kiln:tier = false). */
export const removalAllowed = (tags: Record<string, string>) => Object.hasOwn(tags, TAG.tier);
const DENIED = `no ${TAG.tier} tag: kiln's IAM policy (RemoveOnlyWhatKilnTagged) denies removing it; remove it by hand if it is kiln's`;
// DescribeNetworkInterfaces takes at most 200 values per filter.
const FILTER_VALUES_MAX = 200;

async function groupUsers(ec2: EC2Client, groupIds: string[]): Promise<Map<string, GroupUser[]>> {
  const users = new Map<string, GroupUser[]>();
  for (let i = 0; i < groupIds.length; i += FILTER_VALUES_MAX) {
    const chunk = groupIds.slice(i, i + FILTER_VALUES_MAX);
    let token: string | undefined;
    do {
      const r = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: chunk }], NextToken: token }));
      for (const n of r.NetworkInterfaces ?? []) {
        for (const g of n.Groups ?? []) {
          if (!g.GroupId || !chunk.includes(g.GroupId)) continue;
          users.set(g.GroupId, [
            ...(users.get(g.GroupId) ?? []),
            { eni: n.NetworkInterfaceId ?? '?', ...(n.Attachment?.InstanceId ? { instanceId: n.Attachment.InstanceId } : {}) },
          ]);
        }
      }
      token = r.NextToken;
    } while (token);
  }
  return users;
}

async function inventory(
  ec2: EC2Client,
): Promise<{ tagged: Tagged[]; imageSnapshots: Map<string, string[]>; promotedImages: Set<string>; groupUsers: Map<string, GroupUser[]> }> {
  const tagged: Tagged[] = [];
  const add = (kind: LeftoverKind, id: string | undefined, tags: AwsTag[] | undefined, created?: Date | string) => {
    if (id) tagged.push({ kind, id, tags: tagMap(tags), createdAt: created === undefined ? undefined : new Date(created) });
  };

  let token: string | undefined;
  do {
    const r = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [...kilnFilter, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }],
        NextToken: token,
      }),
    );
    for (const res of r.Reservations ?? []) for (const i of res.Instances ?? []) add('instance', i.InstanceId, i.Tags, i.LaunchTime);
    token = r.NextToken;
  } while (token);

  // All own images, tagged or not: a snapshot used by any image that stays must stay too.
  const images = (await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images ?? [];
  const imageSnapshots = new Map<string, string[]>();
  const promotedImages = new Set<string>();
  for (const img of images) {
    imageSnapshots.set(
      img.ImageId!,
      (img.BlockDeviceMappings ?? []).map((b) => b.Ebs?.SnapshotId).filter((s): s is string => Boolean(s)),
    );
    const tags = tagMap(img.Tags);
    if (tags[TAG.promoted] === 'true') promotedImages.add(img.ImageId!);
    if (tags[TAG.expiresAt] || tags[TAG.ttl]) add('image', img.ImageId, img.Tags, img.CreationDate);
  }

  for (const s of (await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: kilnFilter }))).Snapshots ?? [])
    add('snapshot', s.SnapshotId, s.Tags, s.StartTime);
  for (const v of (await ec2.send(new DescribeVolumesCommand({ Filters: [...kilnFilter, { Name: 'status', Values: ['available'] }] })))
    .Volumes ?? [])
    add('volume', v.VolumeId, v.Tags, v.CreateTime);
  for (const k of (await ec2.send(new DescribeKeyPairsCommand({ Filters: kilnFilter }))).KeyPairs ?? [])
    add('key-pair', k.KeyName, k.Tags, k.CreateTime);
  for (const g of (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: kilnFilter }))).SecurityGroups ?? [])
    add('security-group', g.GroupId, g.Tags);
  const users = await groupUsers(
    ec2,
    tagged.filter((t) => t.kind === 'security-group').map((t) => t.id),
  );
  return { tagged, imageSnapshots, promotedImages, groupUsers: users };
}

/** Pure: which tagged resources are leftovers at `now`, and which are kept and why. */
export function selectLeftovers(inv: Awaited<ReturnType<typeof inventory>>, now: Date): { found: Leftover[]; kept: JanitorReport['kept'] } {
  const found: Leftover[] = [];
  const kept: JanitorReport['kept'] = [];
  const expiry = (t: Tagged) => expiryOf(t.tags, t.createdAt);
  const expired = (t: Tagged) => (expiry(t)?.getTime() ?? Infinity) <= now.getTime();
  const doomedImages = new Set<string>();
  for (const t of inv.tagged.filter((t) => t.kind === 'image' && expired(t))) {
    if (inv.promotedImages.has(t.id)) kept.push({ kind: 'image', id: t.id, why: 'promoted' });
    else if (!removalAllowed(t.tags)) kept.push({ kind: 'image', id: t.id, why: DENIED });
    else doomedImages.add(t.id);
  }
  // Snapshots of images that stay are protected; snapshots of removed images go with them.
  const protectedSnaps = new Set<string>();
  const doomedSnaps = new Map<string, string>();
  for (const [img, snaps] of inv.imageSnapshots) {
    for (const s of snaps) doomedImages.has(img) ? doomedSnaps.set(s, img) : protectedSnaps.add(s);
  }
  const leftover = (t: Tagged): Leftover => ({
    kind: t.kind,
    id: t.id,
    runId: t.tags[TAG.runId] ?? t.tags[TAG.bakeId],
    tier: t.tags[TAG.tier],
    expiresAt: expiry(t)?.toISOString() ?? '',
  });
  const seen = new Set<string>();
  const tagsOf = new Map<string, Record<string, string>>();
  for (const t of inv.tagged) {
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    tagsOf.set(t.id, t.tags);
    if (t.kind === 'image') {
      if (doomedImages.has(t.id)) found.push(leftover(t));
      continue;
    }
    if (t.kind === 'snapshot' && protectedSnaps.has(t.id)) {
      if (expired(t)) kept.push({ kind: 'snapshot', id: t.id, why: 'used by an image that stays' });
      continue;
    }
    if (t.tags[TAG.promoted] === 'true') {
      if (expired(t)) kept.push({ kind: t.kind, id: t.id, why: 'promoted' });
      continue;
    }
    if (expired(t)) found.push(leftover(t));
  }
  // An untagged snapshot of a removed image (made outside the template's snapshot_tags): the policy forbids deleting it.
  for (const [snap, img] of doomedSnaps) {
    if (!seen.has(snap) && !protectedSnaps.has(snap)) kept.push({ kind: 'snapshot', id: snap, why: `of removed image ${img}, ${DENIED}` });
  }
  const permitted = found.filter((l) => {
    if (l.kind === 'image' || removalAllowed(tagsOf.get(l.id) ?? {})) return true;
    kept.push({ kind: l.kind, id: l.id, why: DENIED });
    return false;
  });
  // A group held by an instance this run terminates goes after it; any other holder keeps it.
  const doomedInstances = new Set(permitted.filter((l) => l.kind === 'instance').map((l) => l.id));
  const allowed = permitted.filter((l) => {
    if (l.kind !== 'security-group') return true;
    const holders = (inv.groupUsers.get(l.id) ?? []).filter((u) => !u.instanceId || !doomedInstances.has(u.instanceId));
    if (holders.length)
      kept.push({
        kind: l.kind,
        id: l.id,
        why: `in use by ${holders.map((u) => (u.instanceId ? `${u.eni} (${u.instanceId})` : u.eni)).join(', ')}`,
      });
    return holders.length === 0;
  });
  allowed.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || a.id.localeCompare(b.id));
  return { found: allowed, kept };
}

function removal(ec2: EC2Client, l: Leftover): Promise<unknown> {
  switch (l.kind) {
    case 'instance':
      return ec2.send(new TerminateInstancesCommand({ InstanceIds: [l.id] }));
    case 'image':
      return ec2.send(new DeregisterImageCommand({ ImageId: l.id }));
    case 'snapshot':
      return ec2.send(new DeleteSnapshotCommand({ SnapshotId: l.id }));
    case 'volume':
      return ec2.send(new DeleteVolumeCommand({ VolumeId: l.id }));
    case 'key-pair':
      return ec2.send(new DeleteKeyPairCommand({ KeyName: l.id }));
    case 'security-group':
      return ec2.send(new DeleteSecurityGroupCommand({ GroupId: l.id }));
  }
}

export async function janitor(
  c: { ec2: EC2Client },
  opts: { apply?: boolean; now?: Date; log?: (line: string) => void } = {},
): Promise<JanitorReport> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const apply = opts.apply ?? false;
  const { found, kept } = selectLeftovers(await inventory(c.ec2), opts.now ?? new Date());
  const report: JanitorReport = { apply, found, removed: [], failed: [], kept };
  for (const k of kept) log(`janitor: keep ${k.kind} ${k.id} (${k.why})`);
  for (const l of found) {
    const what = `${l.kind} ${l.id} (run ${l.runId ?? '?'}, tier ${l.tier ?? '?'}, expired ${l.expiresAt})`;
    if (!apply) {
      log(`janitor: would remove ${what}`);
      continue;
    }
    try {
      await removal(c.ec2, l);
      report.removed.push(l);
      log(`janitor: removed ${what}`);
    } catch (e) {
      // e.g. a security group still held by a terminating instance: the next run takes it.
      report.failed.push({ ...l, error: (e as Error).message });
      log(`janitor: could not remove ${what}: ${(e as Error).message}`);
    }
  }
  if (!apply && found.length) log(`janitor: dry run, ${found.length} leftover(s); run again with --apply to remove them`);
  return report;
}
