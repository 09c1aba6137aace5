/** Rendered files carry a mode, not an owner: provisioning gives some a service's group (GROUP_OWNED). This layer does the same. */
import { chmod, chown, copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { GROUP_OWNED } from '../../../images/files/provision.ts';
import type { ValidateContext } from '../types.ts';
import { rootfsOf } from './common.ts';

/** An overlay layer (above the rendered rootfs) with copies of the group-owned files, chgrp'ed as on the image. */
export async function ownedLayer(ctx: ValidateContext): Promise<string> {
  const layer = join(ctx.scratch, 'owned-layer');
  await mkdir(layer, { recursive: true });
  for (const entry of GROUP_OWNED) {
    const [group, path] = [entry.slice(0, entry.indexOf(':')), entry.slice(entry.indexOf(':') + 1)];
    const mode = ctx.rendered.files.find((f) => f.path === path)?.mode;
    if (!mode) continue;
    const dest = join(layer, path);
    await mkdir(dirname(dest), { recursive: true });
    await copyFile(join(rootfsOf(ctx), path), dest);
    await chown(dest, 0, Number((await execa('getent', ['group', group])).stdout.split(':')[2]));
    await chmod(dest, parseInt(mode, 8));
  }
  return layer;
}
