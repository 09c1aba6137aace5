/** Test fixture: a team's release as its image records it (render + `kiln render --json`'s manifest), no bake. Pure. */
import { buildCatalog, findTier } from '../../../images/catalog.ts';
import { DISTROS, type DistroProfile } from '../../../images/distro.ts';
import { parseRecipe } from '../../../images/recipe-file.ts';
import { render } from '../../../images/render.ts';
import type { Recipe } from '../../../images/web.ts';
import { renderJson } from '../../bundle/render-json.ts';
import type { BundleManifest, ImageBundle } from '../../../model/image-bundle.ts';

/** mysite: measured heavier than the canary, its own WSGI, static URL, seed and traffic (a POST with a body that wants 201). */
export const MYSITE_YAML = `app:
  name: mysite
  source: .
  settings: mysite.settings.production
  health: /healthz/
  staticUrl: /assets/
  seed: [loaddata, demo.json]
  workerPrivateMiB: 120
traffic:
  targetRps: 40
  endpoints:
    - { path: /, weight: 6 }
    - { method: POST, path: /api/comments/, body: '{"text":"x"}', headers: { content-type: application/json }, status: 201, weight: 1 }
`;

export const mysite = (yaml = MYSITE_YAML): Recipe => parseRecipe(yaml, '/srv/mysite/kiln.yaml');

/** The bundle a release image of `recipe` on `tierName` keeps (files and manifest), as targets/local reads it back. */
export function releaseBundle(tierName: string, recipe: Recipe = mysite(), distro: DistroProfile = DISTROS.debian13): ImageBundle {
  const rendered = render(findTier(buildCatalog(), tierName), recipe, distro);
  const manifest = {
    ...renderJson(rendered, '.'),
    app: { kind: 'dir', build: 'b1', sha256: 'f'.repeat(64), files: 12, requirementsSha256: null, addedGunicorn: false },
  } as BundleManifest;
  return {
    manifest: structuredClone(manifest),
    files: rendered.files.map((f) => ({ path: f.path, role: f.role, content: f.content, mode: f.mode })),
  };
}

/** The same bundle without some services' files, drop-ins and settings: an image that does not run them. */
export function without(bundle: ImageBundle, services: string[]): ImageBundle {
  const b = structuredClone(bundle);
  const units = services.map((s) => ({ postgres: 'postgresql', pgbouncer: 'pgbouncer', redis: 'redis-server' })[s] ?? s);
  const drop = (f: { path: string; role: string }) =>
    services.includes(f.role) || units.some((u) => f.path.startsWith(`/etc/systemd/system/${u}`));
  b.files = b.files.filter((f) => !drop(f));
  b.manifest.files = b.manifest.files.filter((f) => !drop(f));
  for (const s of services) delete b.manifest.settings[s];
  b.manifest.recipe.services = b.manifest.recipe.services.filter((s) => !services.includes(s));
  return b;
}
