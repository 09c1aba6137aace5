/** One request per endpoint, as the load sends it (method, body, headers, Host): which do not answer their expected status (and why). */
import { request } from 'node:http';
import type { Endpoint } from './load/types.ts';

export interface ProbeFailure {
  path: string;
  why: string;
}

/** One request with node:http (fetch cannot set Host); redirects are never followed. */
function send(address: string, port: number, e: Endpoint, hostHeader: string | undefined, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = e.body === undefined ? undefined : Buffer.from(e.body, 'utf8');
    const req = request(
      {
        host: address,
        port,
        path: e.path,
        method: e.method ?? 'GET',
        timeout: timeoutMs,
        headers: {
          ...(hostHeader ? { host: hostHeader } : {}),
          ...(e.headers ?? {}),
          ...(body ? { 'content-length': String(body.length) } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Correct: the endpoint's `status` when it names one, else any status below 400 (the load's own rule: 2xx/3xx answer). */
export async function failingEndpoints(
  address: string,
  endpoints: readonly Endpoint[],
  port = 80,
  timeoutMs = 10_000,
  hostHeader?: string,
): Promise<ProbeFailure[]> {
  const bad: ProbeFailure[] = [];
  for (const e of endpoints) {
    try {
      const status = await send(address, port, e, hostHeader, timeoutMs);
      const ok = e.status === undefined ? status < 400 : status === e.status;
      if (!ok) bad.push({ path: e.path, why: e.status === undefined ? `HTTP ${status}` : `HTTP ${status}, expected ${e.status}` });
    } catch (err) {
      bad.push({ path: e.path, why: (err as Error).message });
    }
  }
  return bad;
}
