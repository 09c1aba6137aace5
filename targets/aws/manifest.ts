/** Packer's manifest post-processor output: appended to across runs, so this run's entry is found by its run uuid. */

export interface PackerManifest {
  builds: Array<{
    name?: string;
    builder_type?: string;
    artifact_id?: string;
    packer_run_uuid?: string;
    custom_data?: Record<string, string>;
  }>;
  last_run_uuid?: string;
}

export function parseManifest(text: string): PackerManifest {
  const doc = JSON.parse(text) as PackerManifest;
  if (!Array.isArray(doc.builds)) throw new Error('packer manifest has no builds array');
  return doc;
}

/** The run uuids a manifest already holds (read before the build, so a new one can be told apart). */
export const runUuids = (m: PackerManifest | null) => new Set((m?.builds ?? []).map((b) => b.packer_run_uuid).filter(Boolean));

/** `us-east-1:ami-1,eu-west-1:ami-2` -> `{ 'us-east-1': 'ami-1', 'eu-west-1': 'ami-2' }`. */
export function amisOf(artifactId: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of artifactId
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = pair.match(/^([a-z]{2}(?:-[a-z]+)+-\d+):(ami-[0-9a-f]+)$/);
    if (!m) throw new Error(`unexpected amazon artifact id ${JSON.stringify(pair)} in packer manifest`);
    out[m[1]] = m[2];
  }
  return out;
}

/**
 * This run's images: the entries whose `packer_run_uuid` is the manifest's `last_run_uuid` and was not
 * there before the build (another bake appending to the same file cannot be mistaken for ours).
 */
export function thisRun(m: PackerManifest, before: Set<string | undefined>): { runUuid: string; amis: Record<string, string> } {
  const uuid = m.last_run_uuid;
  if (!uuid || before.has(uuid))
    throw new Error('packer manifest has no entry for this run (did the build reach the manifest post-processor?)');
  const entries = m.builds.filter((b) => b.packer_run_uuid === uuid && b.builder_type === 'amazon-ebs');
  if (!entries.length) throw new Error(`packer manifest run ${uuid} has no amazon-ebs artifact`);
  return { runUuid: uuid, amis: Object.assign({}, ...entries.map((e) => amisOf(e.artifact_id ?? ''))) };
}
