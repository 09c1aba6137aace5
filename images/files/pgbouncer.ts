/** pgbouncer.ini: one database (the app's), transaction pooling, every tuned setting under its own name. */
import { renderTemplate } from '../../templates/engine.ts';
import { InputError } from '../errors.ts';
import type { FileSpec, RenderContext } from '../render-types.ts';

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/** The app's database name: a plain identifier, so it is the same word in the ini, SQL and the userlist. */
export function dbName(name: string): string {
  if (!IDENT.test(name))
    throw new InputError('recipe.app.name', name, 'lower-case letters, digits and _ (a Postgres identifier, up to 63)', 'rename the app');
  return name;
}

/** Tuned pgbouncer settings as [name, value, reason], in the order tuning declares them. */
export const pgbouncerParams = (ctx: RenderContext) =>
  Object.entries(ctx.s.pgbouncer).map(([name, value]) => ({ name, value, reason: ctx.r[`pgbouncer.${name}`] }));

export const pgbouncerFiles: FileSpec[] = [
  {
    role: 'pgbouncer',
    service: 'pgbouncer',
    render: (ctx) => [
      {
        path: '/etc/pgbouncer/pgbouncer.ini',
        // No secrets here (they are in the userlist): readable by the postgres user pgbouncer runs as.
        mode: '0644',
        content: renderTemplate('pgbouncer/pgbouncer.ini.hbs', { ...ctx, db: dbName(ctx.recipe.app.name), params: pgbouncerParams(ctx) }),
      },
    ],
  },
];
