import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failingCanaryEndpoints } from './canary-probe.ts';
import { CANARY_MIX } from './defaults.ts';

let server: Server;
let port = 0;
let broken = new Set<string>();
beforeAll(async () => {
  server = createServer((req, res) => {
    res.statusCode = broken.has(req.url ?? '') ? 502 : 200;
    res.end('x');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('canary probe', () => {
  it('lists exactly the canary endpoints that do not answer 2xx, with the status', async () => {
    broken = new Set();
    expect(await failingCanaryEndpoints('127.0.0.1', port)).toEqual([]);
    broken = new Set(['/db']);
    expect(await failingCanaryEndpoints('127.0.0.1', port)).toEqual([{ path: '/db', why: 'HTTP 502' }]);
  });

  it('names every endpoint when nothing listens', async () => {
    const bad = await failingCanaryEndpoints('127.0.0.1', 1, 2000);
    expect(bad.map((b) => b.path)).toEqual(CANARY_MIX.map((e) => e.path));
    expect(bad[0].why).toMatch(/fetch failed|ECONNREFUSED/);
  });
});
