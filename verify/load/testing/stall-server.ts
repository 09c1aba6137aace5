/**
 * A small HTTP server for the load generator's tests and bench, run as its own process:
 *   node --import tsx stall-server.ts '{"delayMs":0,"stallEveryMs":1000,"stallMs":300,"serialMs":0,"status":200}'
 * Prints "listening PORT" on stdout when ready.
 * - delayMs: every response waits this long (non-blocking)
 * - stallEveryMs/stallMs: requests arriving in the first stallMs of each period are held until it ends
 * - serialMs: one request at a time, each holds the single "worker" this long (a service-time limit)
 * - status: response status for every request
 * - coldMs/coldDelayMs: for coldMs after the first request, every response waits coldDelayMs (a cold start)
 * - busyMs: every request spins the CPU this long before it is answered (work that costs CPU, not time waiting)
 * - reset: destroy the connection instead of answering
 * - routes: per request path (with query), a status and delay replacing the ones above
 * - logPath: each request's method, url, headers and body appended as one JSON line (what arrived, for tests)
 */
import { appendFileSync } from 'node:fs';
import http from 'node:http';

export interface Route {
  status?: number;
  delayMs?: number;
}

/** One request as the server received it. */
export interface LoggedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface StallServerOptions {
  port?: number;
  delayMs?: number;
  stallEveryMs?: number;
  stallMs?: number;
  serialMs?: number;
  status?: number;
  coldMs?: number;
  coldDelayMs?: number;
  busyMs?: number;
  reset?: boolean;
  routes?: Record<string, Route>;
  logPath?: string;
}

export function serve(o: StallServerOptions): http.Server {
  const body = Buffer.from('ok\n');
  const queue: (() => void)[] = [];
  let busy = false;
  let firstMs = 0;
  const runSerial = () => {
    const job = queue.shift();
    if (!job) {
      busy = false;
      return;
    }
    busy = true;
    setTimeout(() => {
      job();
      runSerial();
    }, o.serialMs);
  };
  const server = http.createServer((req, res) => {
    const route = o.routes?.[req.url ?? ''];
    const answer = () => {
      res.writeHead(route?.status ?? o.status ?? 200, { 'content-type': 'text/plain', 'content-length': body.length });
      res.end(body);
    };
    const chunks: Buffer[] = [];
    let ended = !o.logPath;
    let replyDue = false;
    // with a log, the line is written before the answer leaves: a client that has its answer can read the log
    const reply = () => {
      if (ended) answer();
      else replyDue = true;
    };
    if (o.logPath) {
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const got: LoggedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        appendFileSync(o.logPath!, `${JSON.stringify(got)}\n`);
        ended = true;
        if (replyDue) answer();
      });
    } else req.resume();
    if (o.reset) {
      req.socket.destroy();
      return;
    }
    if (o.busyMs) {
      // Thread CPU time, so a descheduled spin still does busyMs of work.
      const until = process.cpuUsage().user + process.cpuUsage().system + o.busyMs * 1000;
      for (let u = process.cpuUsage(); u.user + u.system < until; u = process.cpuUsage());
    }
    const now = Date.now();
    firstMs ||= now;
    let hold = route?.delayMs ?? o.delayMs ?? 0;
    if (o.coldMs && now - firstMs < o.coldMs) hold = Math.max(hold, o.coldDelayMs ?? 0);
    if (o.stallEveryMs && o.stallMs) {
      const phase = now % o.stallEveryMs;
      if (phase < o.stallMs) hold = Math.max(hold, o.stallMs - phase);
    }
    const go = () => {
      if (o.serialMs) {
        queue.push(reply);
        if (!busy) runSerial();
      } else reply();
    };
    if (hold > 0) setTimeout(go, hold);
    else go();
  });
  server.keepAliveTimeout = 60_000;
  return server;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const o = JSON.parse(process.argv[2] ?? '{}') as StallServerOptions;
  const s = serve(o);
  s.listen(o.port ?? 0, '127.0.0.1', () => {
    const a = s.address();
    process.stdout.write(`listening ${typeof a === 'object' && a ? a.port : 0}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}
