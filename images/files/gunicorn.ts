/** gunicorn: its Python config (every tuned setting) and the app's systemd unit. */
import { renderTemplate } from '../../templates/engine.ts';
import type { FileSpec, RenderContext } from '../render-types.ts';

export const GUNICORN_CONF = '/etc/kiln/gunicorn.conf.py';
export const APP_UNIT = 'kiln-app.service';
export const APP_SOCKET = '/run/kiln-app/gunicorn.sock';

/** What the app waits for at start: first boot, and the pool and cache when the image runs them. */
export const appAfter = (ctx: RenderContext): string =>
  [
    'kiln-firstboot.service',
    ...(['pgbouncer', 'redis'] as const)
      .filter((s) => ctx.recipe.services.includes(s))
      .map((s) => (s === 'redis' ? 'redis-server.service' : `${s}.service`)),
  ].join(' ');

/** A tuned value as a Python literal (JSON strings are valid Python for the ASCII values tuning produces). */
export const pyLiteral = (v: number | string | boolean): string =>
  typeof v === 'boolean' ? (v ? 'True' : 'False') : typeof v === 'number' ? String(v) : JSON.stringify(v);

export const gunicornParams = (ctx: RenderContext) =>
  Object.entries(ctx.s.gunicorn).map(([name, value]) => ({ name, value, literal: pyLiteral(value), reason: ctx.r[`gunicorn.${name}`] }));

export const gunicornFiles: FileSpec[] = [
  {
    role: 'gunicorn',
    render: (ctx) => [
      {
        path: GUNICORN_CONF,
        mode: '0644',
        content: renderTemplate('gunicorn/gunicorn.conf.py.hbs', { ...ctx, params: gunicornParams(ctx) }),
      },
    ],
  },
  {
    role: 'systemd',
    render: (ctx) => [
      {
        path: `/etc/systemd/system/${APP_UNIT}`,
        mode: '0644',
        content: renderTemplate('gunicorn/kiln-app.service.hbs', {
          ...ctx,
          stopSec: Number(ctx.s.gunicorn.graceful_timeout) + 10,
          after: appAfter(ctx),
          wants: appAfter(ctx)
            .split(' ')
            .filter((u) => u !== 'kiln-firstboot.service')
            .join(' '),
        }),
      },
    ],
  },
];
