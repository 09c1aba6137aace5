/** A variant's config files: kiln's own file specs (same paths, same templates) fed the variant's values. Pure. */
import { DISTROS, type DistroProfile } from '../../images/distro.ts';
import { DEFAULT_LOCAL_DISTRO } from '../../targets/local/base.ts';
import { FILES } from '../../images/files/index.ts';
import type { RenderContext, RenderedFile } from '../../images/render-types.ts';
import type { Tier } from '../../images/tiers.ts';
import { settingReasons, settingValues, tune } from '../../images/tuning/index.ts';
import { WEB } from '../../images/web.ts';
import { SERVICES, type Service, type Values, type Variant } from './types.ts';
import { STOCK_NOTES } from './stock.ts';

export interface VariantRender {
  variant: Variant['name'];
  values: Values;
  /** The service config files (roles nginx, postgres, pgbouncer, redis, gunicorn), sorted by path. */
  files: RenderedFile[];
}

/** kiln's tuned values for the tier: what every other variant is keyed against. */
export function kilnValues(tier: Tier): Values {
  const all = settingValues(tune(tier, WEB).settings);
  return Object.fromEntries(SERVICES.map((s) => [s, all[s]])) as Values;
}

/** Reasons for a variant's values: kiln keeps its own; others say which source set the value (or that it is stock). */
function reasonsFor(variant: Variant, values: Values, kiln: Record<string, string>, stock: Values): Record<string, string> {
  if (variant.name === 'kiln') return kiln;
  const out: Record<string, string> = {};
  for (const svc of SERVICES) {
    for (const [k, v] of Object.entries(values[svc])) {
      out[`${svc}.${k}`] = variant.notes[svc] && v !== stock[svc][k] ? variant.notes[svc] : STOCK_NOTES[svc as Service];
    }
  }
  return out;
}

export function renderVariant(tier: Tier, variant: Variant, stock: Values, distro: DistroProfile = DISTROS[DEFAULT_LOCAL_DISTRO]): VariantRender {
  const tuned = tune(tier, WEB);
  const kiln = kilnValues(tier);
  const values = variant.values(tier, kiln);
  for (const svc of SERVICES) {
    const missing = Object.keys(kiln[svc]).filter((k) => !(k in values[svc]));
    const extra = Object.keys(values[svc]).filter((k) => !(k in kiln[svc]));
    if (missing.length || extra.length) throw new Error(`bench config ${variant.name}: ${svc} missing [${missing}] extra [${extra}]`);
  }
  // The variant's values replace the tuned ones; the budget stays kiln's (only systemd drop-ins read it, and they are not replaced).
  const ctx: RenderContext = {
    tier, recipe: WEB, distro, tuned,
    s: { ...settingValues(tuned.settings), ...values },
    r: reasonsFor(variant, values, settingReasons(tuned.settings), stock),
    imageHash: '',
  };
  const files = FILES.filter((spec) => (SERVICES as readonly string[]).includes(spec.role))
    .flatMap((spec) => spec.render(ctx).map((f) => ({ ...f, role: spec.role })))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  return { variant: variant.name, values, files };
}
