/**
 * Runs inside the box's network namespace (`ip netns exec kiln-<id>`): writes 4 KiB values to the box's Redis
 * (db 0, the app's cache) in pipelined batches until `targetMiB` were written or Redis is gone, then prints one JSON.
 * Usage: node --import tsx redis-fill-child.ts TARGET_MIB
 */
import { connect } from 'node:net';

const targetMiB = Number(process.argv[2]);
const VALUE = 'x'.repeat(4096);
const BATCH = 64;
const deadline = Date.now() + 120_000;
const cmd = (...a: string[]) => `*${a.length}\r\n${a.map((s) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`).join('')}`;

function session() {
  const sock = connect(6379, '127.0.0.1');
  let buf = '';
  const waiters: ((line: string) => void)[] = [];
  let closed = false;
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => {
    buf += d;
    // Replies here are simple lines (+OK, -ERR ...) except INFO's bulk string, read by length below.
    for (;;) {
      if (!waiters.length) return;
      if (buf.startsWith('$')) {
        const nl = buf.indexOf('\r\n');
        const len = Number(buf.slice(1, nl));
        if (nl < 0 || buf.length < nl + 2 + len + 2) return;
        waiters.shift()!(buf.slice(nl + 2, nl + 2 + len));
        buf = buf.slice(nl + 2 + len + 2);
        continue;
      }
      const nl = buf.indexOf('\r\n');
      if (nl < 0) return;
      waiters.shift()!(buf.slice(0, nl));
      buf = buf.slice(nl + 2);
    }
  });
  const fail = () => {
    closed = true;
    while (waiters.length) waiters.shift()!('-CLOSED');
  };
  sock.on('error', fail);
  sock.on('close', fail);
  const send = (cmds: string[]) =>
    new Promise<string[]>((resolve) => {
      if (closed) return resolve(cmds.map(() => '-CLOSED'));
      const out: string[] = [];
      for (const _ of cmds)
        waiters.push((l) => {
          out.push(l);
          if (out.length === cmds.length) resolve(out);
        });
      sock.write(cmds.join(''));
    });
  return { send, end: () => sock.destroy(), isClosed: () => closed };
}

const s = session();
let written = 0,
  ok = 0,
  oom = 0,
  otherErrors = 0,
  i = 0;
const firstErrors: string[] = [];
while (written < targetMiB * 2 ** 20 && !s.isClosed() && Date.now() < deadline) {
  const batch = Array.from({ length: BATCH }, () => cmd('SET', `bench:fill:${i++}`, VALUE));
  for (const r of await s.send(batch)) {
    if (r.startsWith('+')) ok++;
    else if (r.startsWith('-OOM')) oom++;
    else {
      otherErrors++;
      if (firstErrors.length < 3) firstErrors.push(r.slice(0, 120));
    }
  }
  written += BATCH * VALUE.length;
}
const info = s.isClosed() ? null : (await s.send([cmd('INFO')]))[0];
s.end();
const field = (k: string) => (info ? (new RegExp(`^${k}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? null) : null);
process.stdout.write(
  `${JSON.stringify({
    targetMiB,
    writtenMiB: Math.round(written / 2 ** 20),
    setOk: ok,
    setOom: oom,
    otherErrors,
    firstErrors,
    connectionLost: info === null,
    usedMemoryMiB: field('used_memory') === null ? null : Math.round(Number(field('used_memory')) / 2 ** 20),
    maxmemoryMiB: field('maxmemory') === null ? null : Math.round(Number(field('maxmemory')) / 2 ** 20),
    evictedKeys: field('evicted_keys') === null ? null : Number(field('evicted_keys')),
    keys: info ? (/^db0:keys=(\d+)/m.exec(info)?.[1] ?? null) : null,
  })}\n`,
);
