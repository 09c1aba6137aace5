/** Runs every validator that applies to one rendered bundle, each in its own scratch dir. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Rendered } from '../../images/render.ts';
import { VALIDATORS } from './index.ts';
import type { Finding, Validator } from './types.ts';
import { withVersionGap } from './version-gap.ts';

async function missingTools(v: Validator): Promise<string[]> {
  const out: string[] = [];
  for (const tool of v.needs) {
    const found = tool.startsWith('/')
      ? (await execa('test', ['-x', tool], { reject: false })).exitCode === 0
      : (await execa('sh', ['-c', 'command -v "$1"', 'sh', tool], { reject: false })).exitCode === 0;
    if (!found) out.push(tool);
  }
  return out;
}

export async function validateBundle(dir: string, rendered: Rendered, validators = VALIDATORS): Promise<Finding[]> {
  const roles = new Set(rendered.files.map((f) => f.role));
  const findings: Finding[] = [];
  for (const v of validators.filter((x) => x.roles.some((r) => roles.has(r)))) {
    const missing = await missingTools(v);
    if (missing.length) {
      findings.push({ tool: v.name, file: '*', ok: false, output: `missing ${missing.join(', ')}: run scripts/setup.sh` });
      continue;
    }
    const scratch = await mkdtemp(join(process.env.KILN_TMP ?? tmpdir(), `kiln-validate-${v.name}-`));
    try {
      findings.push(...(await withVersionGap(await v.run({ dir, rendered, scratch }), v.versioned, rendered.context.distro)));
    } catch (e) {
      findings.push({ tool: v.name, file: '*', ok: false, output: `validator crashed: ${(e as Error).message}` });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  return findings;
}
