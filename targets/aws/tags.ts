/** Tag keys kiln puts on every AWS resource it creates: the janitor, promote and deploy read them. */
export const TAG = {
  runId: 'kiln:run-id',
  tier: 'kiln:tier',
  /** ISO-8601 instant after which an unpromoted leftover may be removed (the TTL, made absolute). */
  expiresAt: 'kiln:expires-at',
  renderHash: 'kiln:render-hash',
  role: 'kiln:role',
  promoted: 'kiln:promoted',
  verdictDigest: 'kiln:verdict-digest',
  revoked: 'kiln:revoked',
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
  };
  if (t.renderHash) tags[TAG.renderHash] = t.renderHash;
  return tags;
}

export type AwsTag = { Key?: string; Value?: string };
export const tagMap = (tags: AwsTag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? '']));
export const toAwsTags = (m: Record<string, string>) => Object.entries(m).map(([Key, Value]) => ({ Key, Value }));
