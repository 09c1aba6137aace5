import type { Endpoint } from './types.ts';

/**
 * Smooth weighted round-robin (nginx's): deterministic, and every prefix of the sequence is as
 * close to the weights as integers allow, so even a short phase gets the intended mix.
 */
export class Mix {
  private readonly current: number[];
  private readonly total: number;

  constructor(private readonly weights: number[]) {
    this.current = weights.map(() => 0);
    this.total = weights.reduce((a, b) => a + b, 0);
  }

  next(): number {
    let best = 0;
    for (let i = 0; i < this.weights.length; i++) {
      this.current[i] += this.weights[i];
      if (this.current[i] > this.current[best]) best = i;
    }
    this.current[best] -= this.total;
    return best;
  }
}

/** The bytes of one request per endpoint, built once. */
export function requestBytes(e: Endpoint, hostHeader: string): Buffer {
  const method = e.method ?? 'GET';
  const body = e.body ?? '';
  const lines = [`${method} ${e.path} HTTP/1.1`, `Host: ${hostHeader}`, 'User-Agent: kiln-load', 'Accept: */*'];
  for (const [k, v] of Object.entries(e.headers ?? {})) lines.push(`${k}: ${v}`);
  if (method === 'POST' || body !== '') lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'latin1');
}
