/** One GET per canary endpoint: which of them do not answer 2xx (and why). Shared by the gate's app install and the bench's box health. */
import { CANARY_MIX } from './defaults.ts';

export async function failingCanaryEndpoints(address: string, port = 80, timeoutMs = 10_000): Promise<{ path: string; why: string }[]> {
  const base = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  const bad: { path: string; why: string }[] = [];
  for (const { path } of CANARY_MIX) {
    try {
      const r = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
      await r.arrayBuffer();
      if (r.status >= 300) bad.push({ path, why: `HTTP ${r.status}` });
    } catch (e) {
      bad.push({ path, why: (e as Error).message });
    }
  }
  return bad;
}
