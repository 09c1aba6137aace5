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
      throw new InputError(`recipe.app.domains[${i}]`, d, 'a DNS host name (letters, digits, hyphens, dots; optional leading "*.")', 'fix or remove that domain');
    }
  });
  return domains.length ? domains.join(' ') : '_';
}

const site = (ctx: RenderContext) => renderTemplate('nginx/site.conf.hbs', { ...ctx, serverNames: serverNames(ctx.recipe.app.domains), staticLink: STATIC_LINK });

export const nginxFiles: FileSpec[] = [
  {
    role: 'nginx',
    render: (ctx) => [
      { path: '/etc/nginx/nginx.conf', mode: '0644', content: renderTemplate('nginx/nginx.conf.hbs', ctx) },
      { path: '/etc/nginx/conf.d/kiln.conf', mode: '0644', content: site(ctx) },
    ],
  },
];
