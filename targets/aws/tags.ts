/** Tag keys kiln puts on every AWS resource it creates: the janitor, promote and deploy read them. */
export const TAG = {
  runId: 'kiln:run-id',
  tier: 'kiln:tier',
  /** ISO-8601 instant after which an unpromoted leftover may be removed (the TTL, made absolute). */
  expiresAt: 'kiln:expires-at',
  /** What the Packer template writes (images/packer/model.ts): a duration like `72h`, counted from creation. */
  ttl: 'kiln:ttl',
  bakeId: 'kiln:bake-id',
  renderHash: 'kiln:render-hash',
  role: 'kiln:role',
  promoted: 'kiln:promoted',
  verdictDigest: 'kiln:verdict-digest',
  revoked: 'kiln:revoked',
  /** The Packer template's lineage (images/packer/model.ts): what the image was built from. */
  imageHash: 'kiln:image-hash',
  sourceAmi: 'kiln:source-ami',
  /** A team's app in the image: its name and its build's sha256; a release also names the base AMI it was built on. */
  app: 'kiln:app',
  appSha256: 'kiln:app-sha256',
  baseAmi: 'kiln:base-ami',
} as const;

/** One tag per verdict that passed this image; tags never overwrite each other, so concurrent promoters commute. */
export const verdictTagKey = (digest: string) => `kiln:verdict:${digest}`;

export interface RunTagInput {
  runId: string;
  tier: string;
  role: 'bake' | 'candidate' | 'fleet';
  ttlHours: number;
  now: Date;
  renderHash?: string;
}

export function runTags(t: RunTagInput): Record<string, string> {
  const tags: Record<string, string> = {
    [TAG.runId]: t.runId,
    [TAG.tier]: t.tier,
    [TAG.role]: t.role,
    [TAG.expiresAt]: new Date(t.now.getTime() + t.ttlHours * 3_600_000).toISOString(),
    [TAG.ttl]: `${t.ttlHours}h`,
  };
  if (t.renderHash) tags[TAG.renderHash] = t.renderHash;
  return tags;
}

export type AwsTag = { Key?: string; Value?: string };
export const tagMap = (tags: AwsTag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? '']));
export const toAwsTags = (m: Record<string, string>) => Object.entries(m).map(([Key, Value]) => ({ Key, Value }));

/**
 * When a tagged resource stops being needed: `kiln:expires-at`, else `kiln:ttl` after its creation
 * time. Null when neither can be read (never guessed: the resource is left alone).
 */
export function expiryOf(tags: Record<string, string>, createdAt?: Date): Date | null {
  const at = Date.parse(tags[TAG.expiresAt] ?? '');
  if (Number.isFinite(at)) return new Date(at);
  const ttl = (tags[TAG.ttl] ?? '').match(/^(\d{1,5})h$/);
  if (ttl && createdAt && Number.isFinite(createdAt.getTime())) return new Date(createdAt.getTime() + Number(ttl[1]) * 3_600_000);
  return null;
}
