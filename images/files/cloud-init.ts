/** cloud-init user data: boot-time only (identity hardening, /etc/kiln/boot.json with names, never secrets). */
import { bootConfig } from '../cloud-init/boot-config.ts';
import { buildUserData, serializeUserData } from '../cloud-init/user-data.ts';
import type { FileSpec } from '../render-types.ts';

export const cloudInitFiles: FileSpec[] = [
  {
    role: 'cloud-init',
    render: (ctx) => [
      {
        path: 'cloud-init/user-data',
        mode: '0644',
        content: serializeUserData(
          buildUserData(bootConfig({ tierName: ctx.tier.name, recipe: ctx.recipe, distro: ctx.distro, imageHash: ctx.imageHash })),
        ),
      },
    ],
  },
];
