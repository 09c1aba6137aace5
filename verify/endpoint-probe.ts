/** One request per endpoint, as the load sends it (method, body, headers): which do not answer their expected status (and why). */
import type { Endpoint } from './load/types.ts';

export interface ProbeFailure { path: string; why: string }

/** Correct: the endpoint's `status` when it names one (redirects not followed), else any status below 300. */
export async function failingEndpoints(address: string, endpoints: readonly Endpoint[], port = 80, timeoutMs = 10_000): Promise<ProbeFailure[]> {
  const base = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  const bad: ProbeFailure[] = [];
  for (const e of endpoints) {
    try {
      const r = await fetch(`${base}${e.path}`, {
        method: e.method ?? 'GET', body: e.body, headers: e.headers, signal: AbortSignal.timeout(timeoutMs),
        // An expected 3xx is the answer itself; following it would judge another page.
        redirect: e.status === undefined ? 'follow' : 'manual',
      });
      await r.arrayBuffer();
      const ok = e.status === undefined ? r.status < 300 : r.status === e.status;
      if (!ok) bad.push({ path: e.path, why: e.status === undefined ? `HTTP ${r.status}` : `HTTP ${r.status}, expected ${e.status}` });
    } catch (err) {
      bad.push({ path: e.path, why: (err as Error).message });
    }
  }
  return bad;
}
