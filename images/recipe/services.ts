/** recipe.services: which of the stack's services the image runs. */
import { InputError } from '../errors.ts';
import { SERVICE_NAMES, type ServiceName } from '../web.ts';
import { list } from './strings.ts';

/** The services, in the stack's own order; `canary` when the recipe has no app.source (its endpoints use every service). */
export function servicesFrom(v: unknown, where: string, canary: boolean): ServiceName[] {
  if (v === undefined) return [...SERVICE_NAMES];
  const given = list(v, where, SERVICE_NAMES.length, `services: [${SERVICE_NAMES.join(', ')}]`, (s, field) => {
    if (typeof s !== 'string' || !(SERVICE_NAMES as readonly string[]).includes(s)) {
      throw new InputError(field, s ?? null, `must be one of ${SERVICE_NAMES.join(', ')}`, 'fix the name or remove it');
    }
    return s as ServiceName;
  });
  given.forEach((s, i) => {
    if (given.indexOf(s) !== i) throw new InputError(`${where}[${i}]`, s, 'is listed twice', 'list each service once');
  });
  const has = (s: ServiceName) => given.includes(s);
  for (const s of ['nginx', 'gunicorn'] as const) {
    if (!has(s))
      throw new InputError(
        where,
        given,
        `must include ${s}: ${s === 'nginx' ? 'nginx is the only listener' : 'gunicorn runs the app'}`,
        `add ${s}`,
      );
  }
  // PgBouncer only fronts the local Postgres, and the app reaches Postgres only through it (its pool sizes max_connections).
  if (has('pgbouncer') !== has('postgres')) {
    throw new InputError(
      where,
      given,
      'postgres and pgbouncer go together: the app reaches PostgreSQL through PgBouncer, whose pool sizes max_connections',
      `add ${has('postgres') ? 'pgbouncer' : 'postgres'}, or drop both`,
    );
  }
  if (canary && given.length !== SERVICE_NAMES.length) {
    throw new InputError(
      where,
      given,
      'the canary (no app.source) needs every service: its endpoints use PostgreSQL through PgBouncer and Redis',
      'remove services, or give app.source',
    );
  }
  return SERVICE_NAMES.filter(has);
}
