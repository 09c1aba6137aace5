/** A variant's config files: kiln's own file specs (same paths, same templates) fed the variant's values. Pure. */
import { DISTROS, type DistroProfile } from '../../../images/distro.ts';
import { FILES } from '../../../images/files/index.ts';
import type { RenderContext, RenderedFile } from '../../../images/render-types.ts';
import type { Tier } from '../../../images/tiers.ts';
import { settingReasons, settingValues, tune, type Tuned } from '../../../images/tuning/index.ts';
import { WEB, type Recipe } from '../../../images/web.ts';
import type { BundleManifest } from '../../../model/image-bundle.ts';
import { SERVICES, type Service, type Value, type Values, type Variant } from './types.ts';
import { STOCK, STOCK_NOTES } from './stock.ts';

/** kiln's side of the comparison: what the image under test was rendered with (every variant is keyed against it). */
export interface KilnSide {
  tier: Tier;
  recipe: Recipe;
  distro: DistroProfile;
  tuned: Tuned;
  /** Every setting group the image's files read (`kiln render --json`'s `settings`), and their reasons. */
  settings: Record<string, Record<string, Value>>;
  reasons: Record<string, string>;
  /** The services whose config files the image has: a variant replaces those and only those. */
  services: Service[];
}

export interface VariantRender {
  variant: Variant['name'];
  /** The variant's values of the side's services. */
  values: Partial<Values>;
  /** The service config files (roles nginx, postgres, pgbouncer, redis, gunicorn), sorted by path. */
  files: RenderedFile[];
}

/** The canary image as the bench bakes it: a fresh tune of the tier with kiln's canary recipe. */
export function canarySide(tier: Tier, distro: DistroProfile = DISTROS.debian13): KilnSide {
  const tuned = tune(tier, WEB, distro.osShare);
  return {
    tier,
    recipe: WEB,
    distro,
    tuned,
    settings: settingValues(tuned.settings),
    reasons: settingReasons(tuned.settings),
    services: [...SERVICES],
  };
}

/**
 * A baked image as its bundle recorded it (a team's release): its recipe, distro, tier and tuned settings, never a
 * fresh tune (a release is tuned to its app's measured memory). Throws when the record cannot be rendered again.
 */
export function recordedSide(m: BundleManifest): KilnSide {
  const distro = (DISTROS as Record<string, DistroProfile | undefined>)[m.distro];
  if (!distro)
    throw new Error(`the image was rendered for distro ${m.distro}, which this kiln does not know (${Object.keys(DISTROS).join(', ')})`);
  const roles = new Set<string>(m.files.map((f) => f.role));
  const services = SERVICES.filter((s) => roles.has(s));
  const unrecorded = services.filter((s) => !m.settings[s]);
  if (unrecorded.length) throw new Error(`the image has ${unrecorded.join(', ')} files but records no settings for them: bake it again`);
  // Only the systemd drop-ins read the budget and a variant never replaces them; it is carried for the context's shape.
  const settings = Object.fromEntries(
    Object.entries(m.settings).map(([g, vals]) => [
      g,
      Object.fromEntries(Object.entries(vals).map(([k, value]) => [k, { value, reason: m.reasons[`${g}.${k}`] ?? '' }])),
    ]),
  );
  const tuned = { tier: m.tierSpec, budget: { ramMiB: m.ramMiB, ...m.budget }, settings } as unknown as Tuned;
  return { tier: m.tierSpec, recipe: m.recipe, distro, tuned, settings: structuredClone(m.settings), reasons: { ...m.reasons }, services };
}

/** kiln's values on the side (a service the image lacks keeps the stock values, so every variant can be keyed; none is rendered). */
export function sideValues(side: KilnSide): Values {
  return Object.fromEntries(
    SERVICES.map((s) => [s, side.services.includes(s) ? structuredClone(side.settings[s]) : structuredClone(STOCK[s])]),
  ) as Values;
}

/** kiln's tuned values for the tier's canary image: what every other variant is keyed against. */
export const kilnValues = (tier: Tier): Values => sideValues(canarySide(tier));

/** Reasons for a variant's values: kiln keeps its own; others say which source set the value (or that it is stock). */
function reasonsFor(variant: Variant, values: Values, side: KilnSide, stock: Values): Record<string, string> {
  if (variant.name === 'kiln') return side.reasons;
  const out: Record<string, string> = {};
  for (const svc of side.services) {
    for (const [k, v] of Object.entries(values[svc])) {
      out[`${svc}.${k}`] = variant.notes[svc] && v !== stock[svc][k] ? variant.notes[svc] : STOCK_NOTES[svc];
    }
  }
  return out;
}

export function renderVariant(side: KilnSide, variant: Variant, stock: Values): VariantRender {
  const kiln = sideValues(side);
  const all = variant.values(side.tier, kiln);
  for (const svc of side.services) {
    const missing = Object.keys(kiln[svc]).filter((k) => !(k in all[svc]));
    const extra = Object.keys(all[svc]).filter((k) => !(k in kiln[svc]));
    if (missing.length || extra.length) throw new Error(`bench config ${variant.name}: ${svc} missing [${missing}] extra [${extra}]`);
  }
  const values: Partial<Values> = Object.fromEntries(side.services.map((s) => [s, all[s]]));
  // The variant's values replace the tuned ones; the budget stays kiln's (only systemd drop-ins read it, and they are not replaced).
  const ctx: RenderContext = {
    tier: side.tier,
    recipe: side.recipe,
    distro: side.distro,
    tuned: side.tuned,
    s: { ...side.settings, ...values },
    r: reasonsFor(variant, all, side, stock),
    imageHash: '',
  };
  const files = FILES.filter((spec) => (side.services as readonly string[]).includes(spec.role))
    .flatMap((spec) => spec.render(ctx).map((f) => ({ ...f, role: spec.role })))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  return { variant: variant.name, values, files };
}
