/** nginx -t over the whole config tree, the rendered nginx.conf and site at their real paths. */
import { inSandbox } from '../sandbox.ts';
import type { Validator } from '../types.ts';
import { finding, requirePath, rootfsOf } from './common.ts';

const CONF = '/etc/nginx/nginx.conf';

export const nginxValidator: Validator = {
  name: 'nginx -t',
  roles: ['nginx'],
  needs: ['nginx', 'unshare'],
  run: async (ctx) => {
    const missing = requirePath(ctx, 'nginx -t', CONF);
    if (missing) return [missing];
    const r = await inSandbox({
      rootfs: rootfsOf(ctx),
      dirs: [['/var/log/nginx', 'root']],
      script: `nginx -t -c ${CONF}`,
    });
    return [finding('nginx -t', CONF, r.exitCode === 0 && !r.timedOut, r.output)];
  },
};
