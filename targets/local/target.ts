/** The local target behind the common Target shape (state and cache dirs fixed per instance of it). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DISTROS, type DistroProfile } from '../../images/distro.ts';
import { appProfileOf, lineageFromLocalImage } from '../../model/lineage.ts';
import { validateHost } from '../../model/host.ts';
import { imageFiles, type BakedImage, type Target } from '../target.ts';
import { bake } from './bake.ts';
import { DEFAULT_LOCAL_DISTRO, type LocalDistroId } from './base.ts';
import { destroy } from './destroy.ts';
import { readImageBundle } from '../../model/image-bundle.ts';
import { findImage, imageBundleDir, type ImageManifest } from './image.ts';
import { janitor } from './janitor.ts';
import { launch } from './launch.ts';
import { launchVm } from './vm.ts';
import { InputError } from '../../images/errors.ts';
import { defaultCacheDir, defaultStateDir, imagesDir } from './paths.ts';
import { promote, promoted, type Promotion } from './registry.ts';

export interface LocalTargetOptions {
  stateDir?: string;
  cacheDir?: string;
  /** What `bake` builds (default debian13); images of the other distro still launch and verify as theirs. */
  distro?: LocalDistroId;
}

/** Manifests name their distro; one this kiln does not know cannot be verified against a render. */
function imageDistro(m: ImageManifest): DistroProfile['id'] {
  if (!Object.hasOwn(DISTROS, m.distro))
    throw new Error(`image ${m.ref} names distro ${JSON.stringify(m.distro)}, unknown to this kiln (${Object.keys(DISTROS).join(', ')})`);
  return m.distro as DistroProfile['id'];
}

async function baked(stateDir: string, m: ImageManifest, reused: boolean): Promise<BakedImage> {
  const text = await readFile(join(imagesDir(stateDir), `${m.ref}.render-manifest.json`), 'utf8');
  const bundle = await readImageBundle(imageBundleDir(stateDir, m.ref)).catch(() => null);
  const lineage = { ...lineageFromLocalImage(m), ...(bundle ? { appProfile: appProfileOf(bundle.manifest.recipe.app) } : {}) };
  return { ref: m.ref, tier: m.tier, reused, distro: imageDistro(m), lineage, manifestFiles: imageFiles(text), bundle };
}

const record = (p: Promotion) => ({
  tier: p.tier,
  ref: p.imageRef,
  verdictDigest: p.verdictDigest,
  ...(p.previousRef ? { previousRef: p.previousRef } : {}),
});

export function localTarget(opts: LocalTargetOptions = {}): Target {
  const stateDir = opts.stateDir ?? defaultStateDir();
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const distro = opts.distro ?? DEFAULT_LOCAL_DISTRO;
  return {
    name: 'local',
    distro,
    async bake({ tier, bundleDir, base }) {
      const r = await bake({ tier: tier.name, bundleDir, stateDir, cacheDir, distro, layerOn: base });
      return baked(stateDir, r.manifest, r.reused);
    },
    async image(ref) {
      return baked(stateDir, await findImage(stateDir, ref), true);
    },
    // validateHost maps the box's `cgroup.memory` to memoryCgroupPath: without it OOM kills would be read host-wide.
    // The rest of the launch output (id, cgroup paths, boot timings) is kept for `kiln launch --json`.
    launch: async ({ ref, tier, id, cpus, burstBaseline, readyTimeoutSec, secretsFile, vm }) => {
      if (vm) {
        // A VM gets its CPUs and RAM from qemu, not cgroups; secrets would need a drive of their own (not built yet).
        const unsupported = { '--cpus': cpus, '--burst-baseline': burstBaseline || undefined, '--secrets': secretsFile };
        for (const [flag, value] of Object.entries(unsupported)) {
          if (value !== undefined)
            throw new InputError(
              flag,
              value,
              "not with --vm (a VM has exactly its tier's vCPUs, and no secrets drive yet)",
              `drop ${flag} or --vm`,
            );
        }
        const raw = await launchVm({ imageRef: ref, tier, id, stateDir, cacheDir, readyTimeoutSec });
        return { ...raw, ...validateHost(raw) };
      }
      const raw = await launch({ imageRef: ref, tier, id, stateDir, cpus, burstBaseline, readyTimeoutSec, secretsFile });
      return { ...raw, ...validateHost(raw) };
    },
    destroy: (id) => destroy(id, { stateDir }),
    promote: async ({ verdictPath }) => record(await promote({ verdictPath, stateDir })),
    promoted: async (tier) => {
      const p = await promoted(tier, stateDir);
      return p && record(p);
    },
    janitor: ({ dryRun }) => janitor({ stateDir, cacheDir, dryRun }),
  };
}
