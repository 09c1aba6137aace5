/** A bench configuration: the values every service reads, as typed data, rendered through kiln's own file specs. */
import type { Tier } from '../../../images/tiers.ts';
import { ROLES } from '../../../images/render-types.ts';
import { SERVICE_NAMES, type ServiceName } from '../../../images/web.ts';

/** The services whose config files a variant replaces (systemd drop-ins, sysctls and the app stay kiln's), in role order. */
export const SERVICES: readonly ServiceName[] = ROLES.filter((r): r is ServiceName => (SERVICE_NAMES as readonly string[]).includes(r));
export type Service = ServiceName;

export type Value = number | string | boolean;
/** Plain values per service, keyed like `kiln render --json`'s `settings` (the templates read exactly these). */
export type Values = Record<Service, Record<string, Value>>;
/** One source note per service: why a value is what it is, written above it in the rendered file. */
export type Notes = Partial<Record<Service, string>>;

export interface Variant {
  name: 'kiln' | 'seed' | 'stock' | 'rules';
  /** One line for the report. */
  summary: string;
  /** The values for this tier; `kiln` is the tuned image's own values (they key every other variant). */
  values: (tier: Tier, kiln: Values) => Values;
  /** Where each service's values come from (stock values keep the stock note). */
  notes: Notes;
}

/** `over` on top of `base`, service by service; only keys `base` has are allowed (a typo must not pass silently). */
export function overlay(base: Values, over: Partial<Record<Service, Record<string, Value>>>): Values {
  const out = structuredClone(base);
  for (const [svc, vals] of Object.entries(over) as [Service, Record<string, Value>][]) {
    for (const [k, v] of Object.entries(vals)) {
      if (!(k in out[svc])) throw new Error(`bench config: ${svc}.${k} is not a setting kiln renders`);
      out[svc][k] = v;
    }
  }
  return out;
}
