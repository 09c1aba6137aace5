import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Conn, type ConnEvents, type ErrorKind, type Inflight } from './conn.ts';
import { cpusAllowed } from './cpus.ts';
import { Mix, requestBytes } from './mix.ts';
import { PhaseRecorder, Series } from './recorder.ts';
import { resolveSpec } from './spec.ts';
import type { GeneratorUsage, LoadResult, LoadSpec } from './types.ts';
import { invalidReasons } from './validity.ts';

/**
 * Bookkeeping: a send is LATE when the scheduler reached it more than the tolerance after its
 * intended time (the generator fell behind), and DROPPED when it then found no free connection
 * within the tolerance (the pool ran out); either, above a small share, makes the run invalid.
 *
 * Runs one open-loop load: request i is due at t0 + i/rps whatever happened to earlier ones;
 * latency is taken from that intended time. Sends go out on a bounded pool of keep-alive
 * connections; a send that finds no free connection within the tolerance is dropped and counted.
 */
export async function runLoad(input: LoadSpec): Promise<LoadResult> {
  const spec = resolveSpec(input);
  const intervalMs = 1000 / spec.rps;
  const tol = spec.lateToleranceMs;
  const bytes = spec.endpoints.map((e) => requestBytes(e, spec.hostHeader));
  const isHead = spec.endpoints.map((e) => e.method === 'HEAD');
  const mix = new Mix(spec.endpoints.map((e) => e.weight));
  const warm = new PhaseRecorder('warmup', spec.endpoints);
  const meas = new PhaseRecorder('measure', spec.endpoints);
  const phaseOf = (r: Inflight) => (r.intendedMs < tMeasure ? warm : meas);

  const idle: Conn[] = [];
  const all = new Set<Conn>();
  const waiting: Inflight[] = [];
  let waitHead = 0;
  let peakConnections = 0;
  let opened = 0;

  let t0 = 0;
  let tMeasure = 0;
  let series: Series | null = null;

  const markSent = (conn: Conn, r: Inflight, now: number) => {
    r.sentMs = now;
    const p = phaseOf(r);
    p.sent++;
    const lag = now - r.intendedMs;
    p.sendLag.recordValue(Math.max(1, Math.round(lag * 1000)));
    const s = series?.at(now);
    if (s) s.sent++;
    conn.send(r);
  };

  const drop = (r: Inflight, now: number) => {
    phaseOf(r).dropped++;
    const s = series?.at(now);
    if (s) s.dropped++;
  };

  /** a connection became free: give it the oldest waiting send still within tolerance */
  const release = (conn: Conn) => {
    const now = performance.now();
    while (waitHead < waiting.length) {
      const r = waiting[waitHead++];
      if (now - r.dispatchMs > tol && all.size >= spec.maxConnections) {
        drop(r, now);
        continue;
      }
      return markSent(conn, r, now);
    }
    idle.push(conn);
  };

  const events: ConnEvents = {
    onConnect: (conn) => release(conn),
    onResponse: (conn, r, status) => {
      const now = performance.now();
      const lat = now - r.intendedMs;
      const ok = phaseOf(r).response(r.endpoint, lat, status);
      series?.completed(now, lat);
      if (!ok && series) series.at(now).errors++;
      if (!conn.closing) release(conn);
    },
    onError: (_conn, r, kind: ErrorKind) => {
      const now = performance.now();
      phaseOf(r).error(r.endpoint, kind);
      if (series) series.at(now).errors++;
    },
    onClose: (conn) => {
      all.delete(conn);
      // a connection that never came up was opened for the oldest waiting send: charge it
      if (!conn.connected && waitHead < waiting.length) {
        const r = waiting[waitHead++];
        phaseOf(r).error(r.endpoint, 'connect');
        if (series) series.at(performance.now()).errors++;
      }
      const i = idle.indexOf(conn);
      if (i >= 0) idle.splice(i, 1);
      // a slot freed: a waiting send may open a new connection
      if (waitHead < waiting.length && all.size < spec.maxConnections) openConn();
    },
  };

  const openConn = () => {
    const c = new Conn(spec.host, spec.port, events);
    all.add(c);
    opened++;
    peakConnections = Math.max(peakConnections, all.size);
    return c;
  };

  // Pre-open part of the pool; a refused connect here is not charged to any request.
  await Promise.all(Array.from({ length: spec.preconnect }, () => Promise.race([openConn().ready, sleep(spec.timeoutMs)])));

  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  t0 = performance.now() + 5;
  tMeasure = t0 + spec.warmupSec * 1000;
  const tEnd = tMeasure + spec.durationSec * 1000;
  series = new Series(t0, spec.warmupSec, spec.warmupSec + spec.durationSec);
  const startedAt = new Date(Date.now() + 5).toISOString();
  let cpuAtMeasure: NodeJS.CpuUsage | null = null;
  let wallAtMeasure = 0;
  let cpuUsed: NodeJS.CpuUsage = { user: 0, system: 0 };
  let wallUsedMs = 0;
  let next = 0;

  const dispatch = (now: number) => {
    const endpoint = mix.next();
    const r: Inflight = {
      intendedMs: t0 + next * intervalMs,
      dispatchMs: now,
      sentMs: 0,
      endpoint,
      bytes: bytes[endpoint],
      isHead: isHead[endpoint],
    };
    const p = phaseOf(r);
    p.schedule(endpoint);
    next++;
    // the scheduler itself fell behind: the generator, not the server, is the bottleneck
    if (now - r.intendedMs > tol) {
      p.late++;
      const s = series?.at(now);
      if (s) s.late++;
    }
    const c = idle.pop();
    if (c) return markSent(c, r, now);
    waiting.push(r);
    if (all.size < spec.maxConnections) openConn();
  };

  const sweepWaiting = (now: number, force = false) => {
    // only an exhausted pool drops: a send waiting on a connect in progress pays it in latency
    while (waitHead < waiting.length && (force || (now - waiting[waitHead].dispatchMs > tol && all.size >= spec.maxConnections)))
      drop(waiting[waitHead++], now);
    if (waitHead > 4096 && waitHead * 2 > waiting.length) {
      waiting.splice(0, waitHead);
      waitHead = 0;
    }
  };

  const sweepTimeouts = () => {
    const now = performance.now();
    for (const c of all) {
      if (c.req && now - c.req.intendedMs > spec.timeoutMs) {
        c.aborted = true;
        c.abort('timeout');
      } else if (!c.connected && now - c.createdMs > spec.timeoutMs) c.abort('connect');
    }
    sweepWaiting(now);
  };
  const sweeper = setInterval(sweepTimeouts, Math.max(5, Math.min(100, spec.timeoutMs / 4)));

  await new Promise<void>((done) => {
    const tick = () => {
      let now = performance.now();
      if (!cpuAtMeasure && now >= tMeasure) {
        cpuAtMeasure = process.cpuUsage();
        wallAtMeasure = now;
      }
      while (next < spec.total && t0 + next * intervalMs <= now) {
        dispatch(now);
        if ((next & 255) === 0) now = performance.now();
      }
      sweepWaiting(now);
      if (next >= spec.total) return done();
      const delay = t0 + next * intervalMs - performance.now();
      // no busy-wait: timers fire ~1 ms late at worst, sends go out in ≤1 ms batches, and the
      // lag is measured (sendLag) and included in latency, which starts at the intended time
      setTimeout(tick, Math.max(1, Math.floor(delay)));
    };
    setTimeout(tick, 5);
  });
  const now = performance.now();
  cpuUsed = process.cpuUsage(cpuAtMeasure ?? undefined);
  wallUsedMs = Math.max(1, Math.max(now, tEnd) - (cpuAtMeasure ? wallAtMeasure : now));

  // Drain: wait for what is in flight; the sweeper turns stragglers into timeouts.
  const drainDeadline = now + spec.timeoutMs + 500;
  while ((waitHead < waiting.length || [...all].some((c) => c.req || !c.connected)) && performance.now() < drainDeadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  clearInterval(sweeper);
  for (const c of [...all]) {
    if (c.req) {
      c.aborted = true;
      c.abort('timeout');
    }
  }
  sweepWaiting(performance.now(), true); // never sent by the end of the drain
  for (const c of [...all]) c.socket.destroy();
  eld.disable();

  const measure = meas.result(spec.durationSec, spec.rps);
  const phases = [warm.result(spec.warmupSec, spec.rps), measure];
  const generator: GeneratorUsage = {
    cpuShare: Math.round(((cpuUsed.user + cpuUsed.system) / 1000 / wallUsedMs) * 1000) / 1000,
    cpuUserMs: Math.round(cpuUsed.user / 1000),
    cpuSystemMs: Math.round(cpuUsed.system / 1000),
    cpusAllowed: cpusAllowed(),
    peakConnections,
    connectionsOpened: opened,
    // the monitor's samples include its own 10 ms period
    eventLoopDelayP99Ms: Math.max(0, Math.round(eld.percentile(99) / 1e4) / 100 - 10),
  };
  const reasons = invalidReasons(measure, generator, spec.limits, spec.maxConnections, tol);
  return {
    schemaVersion: 1,
    tool: 'kiln-load',
    target: { host: spec.host, port: spec.port },
    spec: {
      rps: spec.rps,
      warmupSec: spec.warmupSec,
      durationSec: spec.durationSec,
      maxConnections: spec.maxConnections,
      timeoutMs: spec.timeoutMs,
      lateToleranceMs: tol,
      endpoints: spec.endpoints,
    },
    startedAt,
    phases: spec.warmupSec > 0 ? phases : [measure],
    measure,
    generator,
    limits: spec.limits,
    valid: reasons.length === 0,
    invalidReasons: reasons,
    series: series.close(performance.now()),
  };
}

/** a timer that does not keep the process alive on its own */
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
