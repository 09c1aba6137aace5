import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ErrorCounts } from './types.ts';

/** A request the scheduler handed to a connection. Times are performance.now() ms. */
export interface Inflight {
  intendedMs: number;
  /** when the scheduler handed it out (intended + scheduler lag) */
  dispatchMs: number;
  sentMs: number;
  endpoint: number;
  bytes: Buffer;
  isHead: boolean;
}

export type ErrorKind = keyof ErrorCounts;

export interface ConnEvents {
  /** a full response arrived; the connection is free again unless `closing` */
  onResponse(conn: Conn, req: Inflight, status: number): void;
  /** the request failed; the connection is gone */
  onError(conn: Conn, req: Inflight, kind: ErrorKind): void;
  /** the connection is usable (first time) */
  onConnect(conn: Conn): void;
  /** the connection is gone (any reason); called once */
  onClose(conn: Conn, hadRequest: boolean): void;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/**
 * One keep-alive HTTP/1.1 connection on raw node:net with a minimal response parser
 * (Content-Length, chunked, close-delimited). One request at a time: no pipelining, so a slow
 * response holds its connection like a real client's would.
 */
export class Conn {
  readonly socket: net.Socket;
  connected = false;
  closed = false;
  /** the server said Connection: close; do not reuse */
  closing = false;
  req: Inflight | null = null;
  /** set by the pool when it aborts the request (timeout) so close is not reported as a reset */
  aborted = false;
  readonly createdMs = performance.now();
  /** settles when the connection is up or gone */
  readonly ready: Promise<void>;
  private settle!: () => void;
  private buf: Buffer | null = null;
  private state: 'head' | 'body' | 'chunked' | 'untilClose' = 'head';
  private remaining = 0;
  private status = 0;

  constructor(
    host: string,
    port: number,
    private readonly ev: ConnEvents,
  ) {
    this.ready = new Promise((r) => (this.settle = r));
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('connect', () => {
      this.connected = true;
      this.settle();
      ev.onConnect(this);
    });
    this.socket.on('data', (d) => this.onData(d));
    this.socket.on('error', (e: NodeJS.ErrnoException) => this.fail(this.connected ? kindOf(e) : 'connect'));
    this.socket.on('close', () => this.fail(this.connected ? 'reset' : 'connect'));
  }

  send(req: Inflight): void {
    this.req = req;
    this.state = 'head';
    this.buf = null;
    this.socket.write(req.bytes);
  }

  /** abort the in-flight request (timeout); reports `kind` for it */
  abort(kind: ErrorKind): void {
    this.fail(kind);
  }

  private fail(kind: ErrorKind): void {
    if (this.closed) return;
    if (this.state === 'untilClose' && this.req && !this.aborted && kind === 'reset') {
      return this.finish(); // a close-delimited body ends with the close
    }
    this.closed = true;
    this.settle();
    const req = this.req;
    this.req = null;
    this.socket.destroy();
    if (req) this.ev.onError(this, req, kind);
    this.ev.onClose(this, req !== null);
  }

  private onData(d: Buffer): void {
    if (!this.req) return this.fail('protocol'); // bytes nobody asked for
    let b = this.buf ? Buffer.concat([this.buf, d]) : d;
    this.buf = null;
    for (;;) {
      if (this.state === 'head') {
        const end = b.indexOf(CRLF2);
        if (end < 0) {
          this.buf = b;
          return;
        }
        if (!this.parseHead(b.toString('latin1', 0, end))) return this.fail('protocol');
        b = b.subarray(end + 4);
        if (this.state === 'head') return this.finish(b.length);
        continue;
      }
      if (this.state === 'body') {
        const take = Math.min(this.remaining, b.length);
        this.remaining -= take;
        b = b.subarray(take);
        if (this.remaining === 0) return this.finish(b.length);
        return;
      }
      if (this.state === 'untilClose') return;
      // chunked: remaining = bytes of chunk data + CRLF still to skip; 0 = expecting a size line
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, b.length);
        this.remaining -= take;
        b = b.subarray(take);
        if (this.remaining > 0) return;
        continue;
      }
      const eol = b.indexOf(CRLF);
      if (eol < 0) {
        this.buf = b;
        return;
      }
      const size = parseInt(b.toString('latin1', 0, eol), 16);
      if (!Number.isFinite(size) || size < 0) return this.fail('protocol');
      if (size === 0) {
        // last chunk: optional trailers end with an empty line
        const rest = b.subarray(eol + 2);
        if (rest.length >= 2 && rest[0] === 13 && rest[1] === 10) return this.finish(rest.length - 2);
        const t = rest.indexOf(CRLF2);
        if (t < 0) {
          this.buf = b;
          return;
        }
        return this.finish(rest.length - t - 4);
      }
      this.remaining = size + 2;
      b = b.subarray(eol + 2);
    }
  }

  /** parses the status line and headers; sets the body state. false on garbage. */
  private parseHead(head: string): boolean {
    if (!head.startsWith('HTTP/1.')) return false;
    this.status = parseInt(head.slice(9, 12), 10);
    if (!(this.status >= 100 && this.status < 600)) return false;
    const lower = head.toLowerCase();
    if (lower.includes('\nconnection: close') || head.startsWith('HTTP/1.0')) this.closing = true;
    const noBody = this.req!.isHead || this.status === 204 || this.status === 304 || this.status < 200;
    const cl = /\ncontent-length:\s*(\d+)/.exec(lower);
    if (noBody) this.state = 'head';
    else if (/\ntransfer-encoding:[^\n]*chunked/.test(lower)) {
      this.state = 'chunked';
      this.remaining = 0;
    } else if (cl) {
      this.remaining = Number(cl[1]);
      this.state = this.remaining > 0 ? 'body' : 'head';
    } else {
      this.state = 'untilClose';
      this.closing = true;
    }
    return true;
  }

  private finish(extraBytes = 0): void {
    const req = this.req!;
    this.req = null;
    this.state = 'head';
    this.buf = null;
    if (extraBytes > 0) {
      // bytes after a complete response on a non-pipelined connection: the stream is out of sync
      this.closing = true;
    }
    this.ev.onResponse(this, req, this.status);
    if (this.closing && !this.closed) {
      this.closed = true;
      this.socket.destroy();
      this.ev.onClose(this, false);
    }
  }
}

function kindOf(e: NodeJS.ErrnoException): ErrorKind {
  if (e.code === 'ECONNREFUSED' || e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH') return 'connect';
  if (e.code === 'ETIMEDOUT') return 'timeout';
  return 'reset';
}
