/**
 * What a bench box serves and how the bench asks it: kiln's canary on the tier's base image, or a team's release
 * as its image recorded it (units from its drop-ins, the recipe's traffic, seed and services). Pure.
 */
import { DISTROS, type DistroProfile } from '../../images/distro.ts';
import { InputError } from '../../images/errors.ts';
import { render } from '../../images/render.ts';
import type { Tier } from '../../images/tiers.ts';
import { WEB, isCanary, SERVICE_NAMES, type ServiceName } from '../../images/web.ts';
import { CANARY_MIX, hostHeaderFor, targetRpsFor, trafficLoad } from '../../verify/defaults.ts';
import { stackUnits, type ImageBundle } from '../../model/image-bundle.ts';
import type { Endpoint } from '../../verify/load/types.ts';
import { benchMix } from './capacity.ts';

export type SurvivalTest = 'slow-burst' | 'redis-fill';

export interface Workload {
  /** `canary`, or the team's app (its release channel is `<tier>.<app>`). */
  app: string;
  /** The stack's units (every unit the image's bundle has a drop-in for): restarted after a config goes in, checked for health. */
  units: string[];
  services: ServiceName[];
  /** What the health check asks, each endpoint for its expected status. */
  probe: Endpoint[];
  /** The capacity search's mix. */
  endpoints: Endpoint[];
  /** The search's first rate: the traffic's targetRps when it sets one, else the tier's. */
  targetRps: number;
  /** manage.py command run once on each box after boot; null: none. */
  seed: string[] | null;
  /** Survival tests that apply: the slow burst needs the canary's /slow, the Redis fill a Redis. */
  survivalTests: SurvivalTest[];
  /** The mix in words, for the report's mode line. */
  mix: string;
  /** Host header of every request (the recipe's first domain); absent: the box's address. */
  hostHeader?: string;
}

const canaryMixName = (ioMs?: number) =>
  ioMs === undefined ? 'the canary mix' : `the canary mix + 1 in 6 requests waiting ${ioMs} ms upstream (/slow?ms=${ioMs})`;

/** The canary on the bench's kiln image (of `distro`): no seed, as before; `ioMs` adds the upstream-bound endpoint. */
export function canaryWorkload(tier: Tier, ioMs?: number, distro: DistroProfile['id'] = 'debian13'): Workload {
  return {
    app: 'canary',
    units: stackUnits(render(tier, WEB, DISTROS[distro])),
    services: [...SERVICE_NAMES],
    probe: [...CANARY_MIX],
    endpoints: benchMix(ioMs),
    targetRps: tier.slo.targetRps,
    seed: null,
    survivalTests: ['slow-burst', 'redis-fill'],
    mix: canaryMixName(ioMs),
  };
}

/**
 * A team's release as its image recorded it. Exit 2 (InputError) when the record has no traffic (the canary mix
 * would only measure 404s) or traffic the generator cannot send.
 */
export function releaseWorkload(tier: Tier, ref: string, bundle: ImageBundle): Workload {
  const recipe = bundle.manifest.recipe;
  if (isCanary(recipe))
    throw new InputError(
      '--recipe',
      ref,
      "a release of a team's app (this image carries the canary)",
      'run kiln bench without --recipe for the canary',
    );
  const traffic = recipe.traffic;
  if (traffic === null) {
    throw new InputError(
      `image ${ref}: recipe.traffic`,
      null,
      `the requests to send app ${recipe.app.name} (the canary mix is not its traffic)`,
      'add traffic.endpoints to kiln.yaml and release it again: kiln nightly --recipe kiln.yaml',
    );
  }
  const endpoints = trafficLoad('127.0.0.1', traffic, tier.slo).endpoints;
  return {
    app: recipe.app.name,
    units: stackUnits(bundle),
    services: [...recipe.services],
    probe: endpoints,
    endpoints,
    targetRps: targetRpsFor(tier.slo, traffic),
    seed: recipe.app.seed,
    survivalTests: recipe.services.includes('redis') ? ['redis-fill'] : [],
    mix: `${recipe.app.name}'s traffic (${endpoints.map((e) => `${e.name} ${e.weight}`).join(', ')}${traffic.targetRps ? `; from ${traffic.targetRps} req/s` : ''})`,
    ...(hostHeaderFor(recipe.app.domains) ? { hostHeader: hostHeaderFor(recipe.app.domains) } : {}),
  };
}
