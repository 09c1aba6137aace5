/**
 * nginx -t over the whole config tree, the rendered nginx.conf and site at their real paths; then nginx is
 * started in the sandbox on port 80 to prove the static alias serves a rendered file and / reaches the upstream.
 */
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { APP_ROOT, STATIC_LINK } from '../../../images/files/app.ts';
import { inSandbox } from '../sandbox.ts';
import type { Validator } from '../types.ts';
import { finding, requirePath, rootfsOf } from './common.ts';

const CONF = '/etc/nginx/nginx.conf';
const SITE = '/etc/nginx/conf.d/kiln.conf';
const STATIC_PROBE = '/static/canary.css';

const serveScript = `
nginx -g 'daemon off;' > /var/log/nginx/stderr 2>&1 &
pid=$!
get() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1$1"; }
for i in $(seq 100); do kill -0 $pid 2>/dev/null || break; [ "$(get /nginx-probe)" != 000 ] && break; sleep 0.05; done
echo "GET ${STATIC_PROBE} -> $(get ${STATIC_PROBE})"
echo "GET / -> $(get /)"
kill -QUIT $pid 2>/dev/null; wait $pid
cat /var/log/nginx/stderr`;

export const nginxValidator: Validator = {
  name: 'nginx -t',
  roles: ['nginx'],
  needs: ['nginx', 'curl', 'unshare'],
  versioned: { program: 'nginx', argv: () => ['nginx', '-v'], image: (d) => d.versions.nginx },
  run: async (ctx) => {
    const missing = requirePath(ctx, 'nginx -t', CONF);
    if (missing) return [missing];
    const spec = { rootfs: rootfsOf(ctx), dirs: [['/var/log/nginx', 'root']] as [string, string][] };
    const t = await inSandbox({ ...spec, script: `nginx -t -c ${CONF}` });
    const out = [finding('nginx -t', CONF, t.exitCode === 0 && !t.timedOut, t.output)];
    if (t.exitCode !== 0 || !ctx.rendered.files.some((f) => f.path.endsWith(`/app${STATIC_PROBE}`))) return out;
    // The app is not running here: / must reach the upstream and get nginx's 502, not a 404 from a wrong location.
    // Provisioning links the static dir where nginx serves it; the canary's is its own static/ dir.
    const link = await mkdtemp(join(tmpdir(), 'kiln-nginx-static-'));
    await mkdir(dirname(join(link, STATIC_LINK)), { recursive: true });
    await symlink(`${APP_ROOT}/static`, join(link, STATIC_LINK));
    const s = await inSandbox({ ...spec, overRoots: [link], script: serveScript }).finally(() =>
      rm(link, { recursive: true, force: true }),
    );
    const ok = s.output.includes(`GET ${STATIC_PROBE} -> 200`) && s.output.includes('GET / -> 502');
    out.push(
      finding(
        'nginx (served)',
        SITE,
        ok,
        `${s.output}\n${ok ? '' : `expected ${STATIC_PROBE} -> 200 from the alias and / -> 502 (no gunicorn here)`}`,
      ),
    );
    return out;
  },
};
