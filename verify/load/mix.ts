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

/** methods whose requests carry a body: they always state its length (nginx answers 411 otherwise) */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** The bytes of one request per endpoint, built once. The endpoint's headers replace the defaults by name. */
export function requestBytes(e: Endpoint, hostHeader: string): Buffer {
  const method = e.method ?? 'GET';
  const body = Buffer.from(e.body ?? '', 'utf8');
  const lines = new Map([
    ['host', `Host: ${hostHeader}`],
    ['user-agent', 'User-Agent: kiln-load'],
    ['accept', 'Accept: */*'],
  ]);
  for (const [k, v] of Object.entries(e.headers ?? {})) lines.set(k.toLowerCase(), `${k}: ${v}`);
  if (BODY_METHODS.has(method) || body.length > 0) lines.set('content-length', `Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${method} ${e.path} HTTP/1.1\r\n${[...lines.values()].join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}
