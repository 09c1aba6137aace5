/**
 * The app behind nginx, as the rendered unit starts it: the unit's ExecStart (host venv at the image's venv path),
 * its Group= and RuntimeDirectoryMode= for the socket dir, a stand-in user (kiln-app exists only in the image);
 * then nginx proxies GET /health over the unix socket. Proves the socket permissions and the upstream work together.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allowedHostsOf } from '../../../images/cloud-init/boot-config.ts';
import { APP_UNIT, GUNICORN_CONF } from '../../../images/files/gunicorn.ts';
import { healthCheckHost } from '../../../images/files/nginx.ts';
import { inSandbox } from '../sandbox.ts';
import { shellQuote as q } from '../../../lib/shell-quote.ts';
import type { Validator } from '../types.ts';
import { finding, HOST_VENV, requirePath, rootfsOf, venvLayer } from './common.ts';

const TOOL = 'app behind nginx';
const UNIT = `/etc/systemd/system/${APP_UNIT}`;
const STAND_IN_USER = 'nobody';

/** `Key=value` of the [Service] section of a unit (last one wins, as systemd reads single-valued keys). */
export function serviceKeys(unit: string): Map<string, string> {
  const section = unit.split(/^\[Service\]$/m)[1]?.split(/^\[/m)[0] ?? '';
  return new Map(
    section
      .split('\n')
      .filter((l) => /^[A-Za-z]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
  );
}

// What a load balancer's health check sends as Host: the instance's own address.
const CHECKER_HOST = '10.0.0.1';
// A client on the internet (a documentation address, added to the sandbox's own loopback).
const PUBLIC_CLIENT = '198.51.100.7';

const script = (exec: string, group: string, dirMode: string, healthPath: string | null, appHost: string) => `
mkdir -p /run/kiln-app && chown ${STAND_IN_USER}:${q(group)} /run/kiln-app && chmod ${q(dirMode)} /run/kiln-app
cd /
setpriv --reuid=${STAND_IN_USER} --regid=${q(group)} --clear-groups ${exec} > /var/log/gunicorn.out 2>&1 &
g=$!
nginx -g 'daemon off;' > /var/log/nginx/stderr 2>&1 &
n=$!
for i in $(seq 200); do kill -0 $g 2>/dev/null || break; [ -S /run/kiln-app/gunicorn.sock ] && break; sleep 0.05; done
ls -l /run/kiln-app/
echo "GET /health -> $(curl -s -o /dev/null -w '%{http_code}' --max-time 10 http://127.0.0.1/health)"
# A balancer's X-Forwarded-Proto reaches the app from a private address only; a public client's is replaced.
echo "GET /scheme, X-Forwarded-Proto https, from loopback -> $(curl -s --max-time 10 -H 'X-Forwarded-Proto: https' -H ${q(`Host: ${appHost}`)} http://127.0.0.1/scheme)"
ip addr add ${PUBLIC_CLIENT}/32 dev lo
echo "GET /scheme, X-Forwarded-Proto https, from ${PUBLIC_CLIENT} -> $(curl -s --max-time 10 -H 'X-Forwarded-Proto: https' -H ${q(`Host: ${appHost}`)} http://${PUBLIC_CLIENT}/scheme)"
${healthPath ? `echo "GET ${healthPath} as a load balancer (Host ${CHECKER_HOST}) -> $(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Host: ${CHECKER_HOST}' ${q(`http://127.0.0.1${healthPath}`)})"` : ''}
# Quick stop (INT): a graceful TERM would wait out the upstream keepalive connections.
kill -INT $g 2>/dev/null; kill -QUIT $n 2>/dev/null; wait
echo '--- gunicorn'; cat /var/log/gunicorn.out
echo '--- nginx error.log'; cat /var/log/nginx/error.log 2>/dev/null`;

export const appValidator: Validator = {
  name: TOOL,
  roles: ['gunicorn', 'nginx'],
  needs: ['nginx', 'curl', 'setpriv', 'unshare', 'ip', `${HOST_VENV}/bin/gunicorn`],
  versioned: {
    program: 'Python',
    argv: () => [`${HOST_VENV}/bin/python`, '--version'],
    image: (d) => d.versions.python,
    unchecked: "how gunicorn and the app behave under the image's Python (the bake imports them with it; verify serves them on the box)",
  },
  run: async (ctx) => {
    const missing = requirePath(ctx, TOOL, UNIT) ?? requirePath(ctx, TOOL, GUNICORN_CONF);
    if (missing) return [missing];
    // Only the canary can serve here (a team's app needs its venv, built at bake): its boot proves the rest.
    if (ctx.rendered.context.recipe.app.source.kind !== 'canary') return [];
    // The unit as written (what systemd would read), not the in-memory render.
    const keys = serviceKeys(readFileSync(join(rootfsOf(ctx), UNIT), 'utf8'));
    const [exec, group, dirMode] = [keys.get('ExecStart'), keys.get('Group'), keys.get('RuntimeDirectoryMode') ?? '0755'];
    if (!exec || !group) return [finding(TOOL, UNIT, false, `${UNIT} has no ExecStart= or Group=`)];
    const venv = await venvLayer(ctx.scratch);
    const { domains, healthPath } = ctx.rendered.context.recipe.app;
    const r = await inSandbox({
      rootfs: rootfsOf(ctx),
      extraRoots: [venv.root],
      binds: [venv.bind],
      dirs: [['/var/log/nginx', 'root']],
      // The app allows only its domains, as it will on the box (firstboot writes the same list).
      env: {
        ...process.env,
        KILN_SECRET_KEY: 'kiln-validate-not-a-secret',
        KILN_ALLOWED_HOSTS: allowedHostsOf(domains).join(','),
        PYTHONDONTWRITEBYTECODE: '1',
      },
      script: script(exec, group, dirMode, domains.length ? healthPath : null, healthCheckHost(domains, healthPath) ?? 'localhost'),
    });
    const ok =
      r.output.includes('GET /health -> 200')
      && (!domains.length || r.output.includes(`(Host ${CHECKER_HOST}) -> 200`))
      && r.output.includes('from loopback -> https')
      && r.output.includes(`from ${PUBLIC_CLIENT} -> http\n`);
    return [finding(TOOL, UNIT, ok, ok ? r.output.split('\n--- gunicorn')[0]! : r.output)];
  },
};
