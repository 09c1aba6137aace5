/** systemd drop-ins for every service: restart, OOM policy, memory limits from the budget, file limits, ordering. */
import { renderTemplate } from '../../templates/engine.ts';
import type { FileSpec, RenderContext } from '../render-types.ts';
import type { Budget } from '../tuning/budget.ts';
import { APP_UNIT, appAfter } from './gunicorn.ts';
import type { ServiceName } from '../web.ts';

type Component = keyof Budget['components'] & ServiceName;

interface Service {
  unit: string;
  component: Component;
  why: string;
  /** `s.kernel` key of its file limit, when it has one. */
  nofileKey?: string;
  after?: string;
  orderWhy?: string;
}

/** MemoryMax sits this far above the worst case: MemoryHigh throttles first, Max is the hard stop. */
export const MEMORY_MAX_FACTOR = 1.25;
const RESTART_SEC = 2;
/** Page cache (logs, static files) and socket buffers are charged to the unit's cgroup but not to the RSS budget. */
export const CGROUP_SLACK_MIB = 16;

/** The units of the services the recipe runs, each with its memory component and ordering. */
export const services = (ctx: RenderContext): Service[] => allServices(ctx).filter((svc) => ctx.recipe.services.includes(svc.component));

const allServices = (ctx: RenderContext): Service[] => [
  { unit: 'nginx.service', component: 'nginx', why: 'serves static files and proxies to the app', nofileKey: 'nginx_nofile' },
  { unit: ctx.distro.pgUnit, component: 'postgres', why: 'the database cluster' },
  {
    unit: 'pgbouncer.service',
    component: 'pgbouncer',
    why: "pools the app's connections to Postgres",
    nofileKey: 'pgbouncer_nofile',
    after: ctx.distro.pgUnit,
    orderWhy: 'its pool connects to Postgres: start after it, so the first clients do not wait out a retry',
  },
  { unit: 'redis-server.service', component: 'redis', why: "the app's cache", nofileKey: 'redis_nofile' },
  {
    unit: APP_UNIT,
    component: 'gunicorn',
    why: 'the app under gunicorn',
    after: appAfter(ctx),
    orderWhy: 'the env file, the database role, the pool and the cache exist before the first request',
  },
];

export function dropIn(ctx: RenderContext, svc: Service) {
  const worstMiB = ctx.tuned.budget.components[svc.component]!;
  return {
    ...ctx,
    ...svc,
    after: svc.after ?? '',
    orderWhy: svc.orderWhy ?? '',
    service: svc.unit.replace(/\.service$/, ''),
    formula: `${worstMiB} MiB (${ctx.tuned.budget.formulas[svc.component]})`,
    slackMiB: CGROUP_SLACK_MIB,
    maxFactor: MEMORY_MAX_FACTOR,
    restartSec: RESTART_SEC,
    highMiB: Math.ceil(worstMiB + CGROUP_SLACK_MIB),
    maxMiB: Math.ceil(worstMiB * MEMORY_MAX_FACTOR + CGROUP_SLACK_MIB),
    nofile: svc.nofileKey ? ctx.s.kernel[svc.nofileKey] : 0,
    nofileWhy: svc.nofileKey ? ctx.r[`kernel.${svc.nofileKey}`] : '',
  };
}

export const systemdFiles: FileSpec[] = [
  {
    role: 'systemd',
    render: (ctx) =>
      services(ctx).map((svc) => ({
        path: `/etc/systemd/system/${svc.unit}.d/kiln.conf`,
        mode: '0644',
        content: renderTemplate('systemd/dropin.conf.hbs', dropIn(ctx, svc)),
      })),
  },
];
