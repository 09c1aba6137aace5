/** Packer bundle files (images/packer/): only for distros baked by Packer on EC2. */
import type { PackerInput } from '../packer/input.ts';
import { renderPacker } from '../packer/render.ts';
import type { FileSpec, RenderContext } from '../render-types.ts';
import { isCanary } from '../web.ts';

/**
 * The model's input for one render (x86_64 by default; arm64 is a model option for Graviton bakes). A recipe with
 * an app source always gets its payload written beside the render (pipeline/bundle/write-bundle.ts), hence `app`.
 */
export const packerInputOf = (ctx: RenderContext, arch: PackerInput['arch'] = 'x86_64'): PackerInput => ({
  tier: ctx.tier,
  recipe: ctx.recipe,
  distro: ctx.distro,
  imageHash: ctx.imageHash,
  arch,
  app: !isCanary(ctx.recipe),
});

export const packerFiles: FileSpec[] = [
  {
    role: 'packer',
    render: (ctx) => (ctx.distro.builder === 'packer' ? renderPacker(packerInputOf(ctx)) : []),
  },
];
