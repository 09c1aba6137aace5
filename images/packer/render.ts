/** The Packer bundle files of one render: modern template, 1.6.6 validation variant, JSON var file. */
import type { RenderedFile } from '../render-types.ts';
import { printHcl } from './hcl.ts';
import type { PackerInput } from './input.ts';
import { packerModel } from './model.ts';
import { PACKER_TARGETS, VARS_PATH } from './targets.ts';
import { DEFAULT_BAKE, packerVars, type BakeOptions } from './vars.ts';

export type PackerFile = Omit<RenderedFile, 'role'>;

export const varFileContent = (input: PackerInput, bake: BakeOptions = DEFAULT_BAKE): string =>
  JSON.stringify(packerVars(input, bake), null, 2) + '\n';

export function renderPacker(input: PackerInput, bake: BakeOptions = DEFAULT_BAKE): PackerFile[] {
  return [
    ...PACKER_TARGETS.map((t) => ({ path: t.path, mode: '0644', content: printHcl(packerModel(input, t)) })),
    { path: VARS_PATH, mode: '0644', content: varFileContent(input, bake) },
  ];
}
