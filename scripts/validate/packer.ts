/** Packer: Debian's 1.6.6 validates the compat variant offline; fmt checks both; the modern variant is checked against its model. */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { packerInputOf } from '../../images/files/packer.ts';
import { printHcl } from '../../images/packer/hcl.ts';
import { modernRequirements } from '../../images/packer/requirements.ts';
import { packerModel } from '../../images/packer/model.ts';
import { COMPAT166, MODERN, PACKER_TARGETS, VARS_PATH } from '../../images/packer/targets.ts';
import { runPacker } from './packer-env.ts';
import type { Finding, ValidateContext, Validator } from './types.ts';

const packerDir = (ctx: ValidateContext) => join(ctx.dir, 'packer');
const rel = (bundlePath: string) => bundlePath.replace(/^packer\//, '');

/** `packer validate` on the 1.6.6 variant with the rendered var file, from the template's own dir layout. */
async function validateCompat(ctx: ValidateContext): Promise<Finding[]> {
  const r = await runPacker(['validate', `-var-file=${rel(VARS_PATH)}`, rel(COMPAT166.path)], packerDir(ctx), ctx.scratch);
  return [{ tool: 'packer validate (1.6.6)', file: COMPAT166.path, ok: r.exitCode === 0, output: r.output || 'valid' }];
}

/** `packer fmt -check` on a scratch copy of each variant (fmt must never touch the bundle); exit 3 = not canonical. */
async function fmtCheck(ctx: ValidateContext): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const target of PACKER_TARGETS) {
    const dir = join(ctx.scratch, 'fmt', target.id);
    await mkdir(dir, { recursive: true });
    const copy = join(dir, basename(target.path));
    await copyFile(join(ctx.dir, target.path), copy);
    const r = await runPacker(['fmt', '-check', copy], dir, ctx.scratch);
    let output = r.exitCode === 0 ? 'canonical' : r.output;
    if (r.exitCode === 3) output = `not in canonical form (packer fmt -check exit 3):\n${(await runPacker(['fmt', '-check', '-diff', copy], dir, ctx.scratch)).output}`;
    findings.push({ tool: 'packer fmt -check', file: target.path, ok: r.exitCode === 0, output });
  }
  return findings;
}

/** 1.6.6 cannot validate the modern variant: check the file is exactly its model and the model has what modern Packer needs. */
async function modernStructure(ctx: ValidateContext): Promise<Finding[]> {
  const text = await readFile(join(ctx.dir, MODERN.path), 'utf8');
  const model = packerModel(packerInputOf(ctx.rendered.context), MODERN);
  const problems = modernRequirements(model);
  if (printHcl(model) !== text) problems.push(`${MODERN.path} differs from what the model prints (edited by hand?)`);
  return [{ tool: 'packer model (modern)', file: MODERN.path, ok: problems.length === 0, output: problems.join('\n') || 'required_plugins, imds_support, metadata_options present' }];
}

const validator = (name: string, run: Validator['run']): Validator => ({ name, roles: ['packer'], needs: ['packer'], run });

export const validators: Validator[] = [
  validator('packer-validate', validateCompat),
  validator('packer-fmt', fmtCheck),
  { name: 'packer-modern', roles: ['packer'], needs: [], run: modernStructure },
];
