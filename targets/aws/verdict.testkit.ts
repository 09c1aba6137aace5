/** Test helper: verdict files as `kiln verify` writes them (verify's own builder and fixture), for an AWS image. */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildVerdict } from '../../verify/verdict.ts';
import { verdictInput } from '../../verify/testing/fixtures.ts';

let n = 0;
export function writeVerdict(
  dir: string,
  amiId: string,
  o: { runId?: string; fail?: boolean; mutate?: (doc: any) => void } = {},
): { path: string; digest: string } {
  const input = verdictInput();
  input.target = 'aws';
  input.runId = o.runId ?? `run-${process.pid}-${n}`;
  input.image = { ...input.image, ref: `us-east-1:${amiId}` };
  if (o.fail) input.checks[0] = { ...input.checks[0], status: 'fail', evidence: 'nginx.service inactive' };
  const doc: any = JSON.parse(JSON.stringify(buildVerdict(input)));
  o.mutate?.(doc);
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  const path = join(dir, `verdict-${n++}.json`);
  writeFileSync(path, text);
  return { path, digest: createHash('sha256').update(text).digest('hex') };
}
