/**
 * redis-server loads the rendered redis.conf: started in the sandbox on its real port (loopback only, with the
 * drop-in's LimitNOFILE), asked `CONFIG GET` for every tuned value, shut down by PID.
 */
import { inSandbox } from '../sandbox.ts';
import type { Validator } from '../types.ts';
import { finding, mismatches, requirePath, rootfsOf } from './common.ts';
import { ownedLayer } from './owned.ts';

const CONF = '/etc/redis/redis.conf';
const TOOL = 'redis-server';

/** Tuned key -> [redis config name, value as CONFIG GET prints it]. */
const expected = (s: Record<string, number | string | boolean>): Record<string, string> => ({
  maxmemory: String(Number(s.maxmemory_mib) * 1024 * 1024),
  'maxmemory-policy': String(s.maxmemory_policy),
  maxclients: String(s.maxclients),
  save: String(s.save),
  appendonly: String(s.appendonly),
  bind: String(s.bind),
  port: String(s.port),
  'tcp-keepalive': String(s.tcp_keepalive),
  'lazyfree-lazy-eviction': String(s.lazyfree_lazy_eviction),
});

// As Debian's unit runs it: User=redis, the drop-in's LimitNOFILE.
const script = (nofile: number, port: number, keys: string[]) => `
ulimit -n ${nofile}
setpriv --reuid=redis --regid=redis --init-groups redis-server ${CONF} > /var/log/redis/stdout 2>&1 &
pid=$!
up=0
for i in $(seq 100); do kill -0 $pid 2>/dev/null || break; if redis-cli -p ${port} PING 2>/dev/null | grep -q PONG; then up=1; break; fi; sleep 0.05; done
if [ $up = 1 ]; then echo '--- CONFIG'; for k in ${keys.join(' ')}; do printf '%s=%s\\n' $k "$(redis-cli -p ${port} CONFIG GET $k | sed -n 2p)"; done; fi
kill -TERM $pid 2>/dev/null; wait $pid; rc=$?
echo '--- log'; cat /var/log/redis/stdout
[ $up = 1 ] && [ $rc = 0 ]`;

export const redisValidator: Validator = {
  name: TOOL,
  roles: ['redis'],
  needs: ['redis-server', 'redis-cli', 'setpriv', 'unshare'],
  versioned: { program: 'Redis', argv: () => ['redis-server', '--version'], image: (d) => d.versions.redis },
  run: async (ctx) => {
    const missing = requirePath(ctx, TOOL, CONF);
    if (missing) return [missing];
    const s = ctx.rendered.context.s;
    const want = expected(s.redis);
    const r = await inSandbox({
      rootfs: rootfsOf(ctx),
      overRoots: [await ownedLayer(ctx)],
      dirs: [
        ['/run/redis', 'redis:redis'],
        ['/var/log/redis', 'redis:redis'],
      ],
      script: script(Number(s.kernel.redis_nofile), Number(s.redis.port), Object.keys(want)),
    });
    if (r.exitCode !== 0) return [finding(TOOL, CONF, false, r.output)];
    const lines = (r.output.split('--- CONFIG\n')[1] ?? '').split('\n--- log')[0]!.split('\n');
    const got = new Map(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]));
    const bad = mismatches(want, got);
    return [finding(TOOL, CONF, bad.length === 0, bad.length ? `${bad.join('\n')}\n${r.output}` : r.output)];
  },
};
