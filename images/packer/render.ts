/** The Packer bundle files of one render: modern template, 1.6.6 validation variant (each per layer), JSON var file. */
import type { RenderedFile } from '../render-types.ts';
import { printHcl } from './hcl.ts';
import type { PackerInput } from './input.ts';
import { packerLayers, packerModel } from './model.ts';
import { PACKER_TARGETS, templatePath, VARS_PATH } from './targets.ts';
import { DEFAULT_BAKE, packerVars, type BakeOptions } from './vars.ts';

export type PackerFile = Omit<RenderedFile, 'role'>;

export const varFileContent = (input: PackerInput, bake: BakeOptions = DEFAULT_BAKE): string =>
  `${JSON.stringify(packerVars(input, bake), null, 2)}\n`;

/** One var file serves both layers: what only a bake knows (a release's base AMI, the app build's sha256) it adds itself. */
export function renderPacker(input: PackerInput, bake: BakeOptions = DEFAULT_BAKE): PackerFile[] {
  return [
    ...packerLayers(input).flatMap((layer) =>
      PACKER_TARGETS.map((t) => ({ path: templatePath(t, layer), mode: '0644', content: printHcl(packerModel(input, t, layer)) })),
    ),
    { path: VARS_PATH, mode: '0644', content: varFileContent(input, bake) },
  ];
}
