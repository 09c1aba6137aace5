/** Packer: Debian's 1.6.6 validates the compat variant offline; fmt checks every template; the modern variant is checked against its model. */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { packerInputOf } from '../../images/files/packer.ts';
import { printHcl } from '../../images/packer/hcl.ts';
import { modernRequirements } from '../../images/packer/requirements.ts';
import { packerLayers, packerModel } from '../../images/packer/model.ts';
import { COMPAT166, MODERN, PACKER_TARGETS, templatePath, VARS_PATH, type PackerLayer } from '../../images/packer/targets.ts';
import { variablesOf } from '../../images/packer/vars.ts';
import { runPacker, validatePacker } from './packer-env.ts';
import type { Finding, ValidateContext, Validator } from './types.ts';

const packerDir = (ctx: ValidateContext) => join(ctx.dir, 'packer');
const rel = (bundlePath: string) => bundlePath.replace(/^packer\//, '');
const layersOf = (ctx: ValidateContext): PackerLayer[] => packerLayers(packerInputOf(ctx.rendered.context));

/** What only a bake knows (a release's base AMI, the app build's sha256): validation passes stand-ins of the right shape. */
const bakeTimeArgs = (ctx: ValidateContext, layer: PackerLayer): string[] =>
  variablesOf(packerInputOf(ctx.rendered.context).app, layer)
    .filter((v) => v.bakeTime)
    .map((v) => `-var=${v.name}=${v.placeholder}`);

/** `packer validate` on the 1.6.6 variant of each layer with the rendered var file, from the template's own dir layout. */
async function validateCompat(ctx: ValidateContext): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const layer of layersOf(ctx)) {
    const path = templatePath(COMPAT166, layer);
    const r = await runPacker(
      ['validate', `-var-file=${rel(VARS_PATH)}`, ...bakeTimeArgs(ctx, layer), rel(path)],
      packerDir(ctx),
      ctx.scratch,
    );
    findings.push({ tool: 'packer validate (1.6.6)', file: path, ok: r.exitCode === 0, output: r.output || 'valid' });
  }
  return findings;
}

/** `packer fmt -check` on a scratch copy of each template (fmt must never touch the bundle); exit 3 = not canonical. */
async function fmtCheck(ctx: ValidateContext): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const layer of layersOf(ctx)) {
    for (const target of PACKER_TARGETS) {
      const path = templatePath(target, layer);
      const dir = join(ctx.scratch, 'fmt', `${layer}-${target.id}`);
      await mkdir(dir, { recursive: true });
      const copy = join(dir, basename(path));
      await copyFile(join(ctx.dir, path), copy);
      const r = await runPacker(['fmt', '-check', copy], dir, ctx.scratch);
      let output = r.exitCode === 0 ? 'canonical' : r.output;
      if (r.exitCode === 3)
        output = `not in canonical form (packer fmt -check exit 3):\n${(await runPacker(['fmt', '-check', '-diff', copy], dir, ctx.scratch)).output}`;
      findings.push({ tool: 'packer fmt -check', file: path, ok: r.exitCode === 0, output });
    }
  }
  return findings;
}

/** 1.6.6 cannot validate the modern variant: check each file is exactly its model and the model has what modern Packer needs. */
async function modernStructure(ctx: ValidateContext): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const layer of layersOf(ctx)) {
    const path = templatePath(MODERN, layer);
    const text = await readFile(join(ctx.dir, path), 'utf8');
    const model = packerModel(packerInputOf(ctx.rendered.context), MODERN, layer);
    const problems = modernRequirements(model);
    if (printHcl(model) !== text) problems.push(`${path} differs from what the model prints (edited by hand?)`);
    findings.push({
      tool: 'packer model (modern)',
      file: path,
      ok: problems.length === 0,
      output: problems.join('\n') || 'required_plugins, imds_support, metadata_options present',
    });
  }
  return findings;
}

const validator = (name: string, run: Validator['run']): Validator => ({ name, roles: ['packer'], needs: [validatePacker()], run });

export const validators: Validator[] = [
  validator('packer-validate', validateCompat),
  validator('packer-fmt', fmtCheck),
  { name: 'packer-modern', roles: ['packer'], needs: [], run: modernStructure },
];
