/** nginx: the main config (workers, limits, logs, gzip) and kiln's one site (static files + the app's socket). */
import { renderTemplate } from '../../templates/engine.ts';
import { InputError } from '../errors.ts';
import type { FileSpec, RenderContext } from '../render-types.ts';
import { STATIC_LINK } from './app.ts';

// A host name or a leading-wildcard one: anything else could end the server_name directive.
const HOST = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** `server_name` value: the recipe's domains, or `_` (no name: the default server answers everything). */
export function serverNames(domains: string[]): string {
  domains.forEach((d, i) => {
    if (typeof d !== 'string' || d.length > 253 || !HOST.test(d)) {
      throw new InputError(
        `recipe.app.domains[${i}]`,
        d,
        'a DNS host name (letters, digits, hyphens, dots; optional leading "*.")',
        'fix or remove that domain',
      );
    }
  });
  return domains.length ? domains.join(' ') : '_';
}

// A path nginx compares literally (no percent-decoding, no query) and that cannot end the location directive.
const PLAIN_PATH = /^\/[A-Za-z0-9._~/-]*$/;

/**
 * The Host the health path is proxied with when the app answers only its domains: load balancers check each
 * instance with its own address as Host, which Django's ALLOWED_HOSTS refuses (400, an unhealthy target).
 * The first domain (`*.x` as `x`, which `.x` allows); null without domains (ALLOWED_HOSTS is then `*`).
 */
export function healthCheckHost(domains: string[], healthPath: string): string | null {
  if (!domains.length) return null;
  if (!PLAIN_PATH.test(healthPath)) {
    throw new InputError(
      'recipe.app.health',
      healthPath,
      "with app.domains, a plain path of letters, digits and . _ ~ / - (load balancers check it with the instance's address as Host, which nginx maps to the first domain)",
      'point health at a plain path such as /healthz/',
    );
  }
  return domains[0]!.replace(/^\*\./, '');
}

const site = (ctx: RenderContext) =>
  renderTemplate('nginx/site.conf.hbs', {
    ...ctx,
    serverNames: serverNames(ctx.recipe.app.domains),
    staticLink: STATIC_LINK,
    healthHost: healthCheckHost(ctx.recipe.app.domains, ctx.recipe.app.healthPath),
  });

export const nginxFiles: FileSpec[] = [
  {
    role: 'nginx',
    render: (ctx) => [
      { path: '/etc/nginx/nginx.conf', mode: '0644', content: renderTemplate('nginx/nginx.conf.hbs', ctx) },
      { path: '/etc/nginx/conf.d/kiln.conf', mode: '0644', content: site(ctx) },
    ],
  },
];
