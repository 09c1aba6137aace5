import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { placed, type Placement } from '../cpus.ts';
import type { StallServerOptions } from './stall-server.ts';

export interface Started {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** a port that was free a moment ago on 127.0.0.1 */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function stopper(child: ChildProcess, after?: () => void): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(t);
    }
    after?.();
  };
}

async function waitPort(port: number, child: ChildProcess, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`);
}

/** The stall server (stall-server.ts) in its own process, optionally pinned with taskset. */
export async function startStallServer(o: StallServerOptions, place?: Placement | string): Promise<Started> {
  const port = o.port ?? (await freePort());
  const script = fileURLToPath(new URL('./stall-server.ts', import.meta.url));
  const [cmd, ...args] = placed(place, [process.execPath, '--import', 'tsx', script, JSON.stringify({ ...o, port })]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout!.resume();
  await waitPort(port, child, 'stall server');
  return { port, pid: child.pid!, stop: stopper(child) };
}

/** Debian's nginx serving DIR/www/static/canary.css on a free loopback port. */
export async function startNginx(place?: Placement | string, workers = 1): Promise<Started & { dir: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kiln-load-nginx-'));
  mkdirSync(join(dir, 'www/static'), { recursive: true });
  writeFileSync(join(dir, 'www/static/canary.css'), 'body { color: #333; }\n'.repeat(20));
  chmodSync(dir, 0o755); // workers run as www-data
  writeFileSync(
    join(dir, 'nginx.conf'),
    `
worker_processes ${workers};
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp-body;
  proxy_temp_path ${dir}/tmp-proxy;
  fastcgi_temp_path ${dir}/tmp-fastcgi;
  uwsgi_temp_path ${dir}/tmp-uwsgi;
  scgi_temp_path ${dir}/tmp-scgi;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/www;
    location = /health { return 200 "ok\\n"; }
    location /static/ { }
    location = /fail { return 500; }
  }
}
`,
  );
  const [cmd, ...args] = placed(place, ['nginx', '-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; pid ${dir}/nginx.pid;`]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const rmDir = () => rmSync(dir, { recursive: true, force: true });
  try {
    await waitPort(port, child, 'nginx');
  } catch (e) {
    await stopper(child, rmDir)();
    throw e;
  }
  return { port, pid: child.pid!, dir, stop: stopper(child, rmDir) };
}
