/** Golden files: every tier's rendered output (both distros), checked in so a change to any file shows in review. */
import { BUILTIN_TIERS } from './tiers.ts';
import { DISTROS } from './distro.ts';
import { render } from './render.ts';
import { WEB } from './web.ts';

export const GOLDEN_DIR = new URL('./golden/', import.meta.url);

/** `<tier>-<distro>/<rendered path>` -> content; the app's verbatim sources are left out. */
export function goldenFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const tier of BUILTIN_TIERS) {
    for (const distro of Object.values(DISTROS)) {
      const r = render(tier, WEB, distro);
      const key = `${tier.name}-${distro.id}`;
      for (const f of r.files) {
        if (f.role === 'app') continue;
        out.set(`${key}/${f.path.startsWith('/') ? `rootfs${f.path}` : f.path}`, f.content);
      }
      const { s, r: reasons } = r.context;
      out.set(`${key}/render.json`, `${JSON.stringify({ budget: r.context.tuned.budget, settings: s, reasons }, null, 2)}\n`);
    }
  }
  return out;
}
