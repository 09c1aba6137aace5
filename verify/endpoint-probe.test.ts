import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failingEndpoints } from './endpoint-probe.ts';
import type { Endpoint } from './load/types.ts';

let server: Server;
let port = 0;
let createdStatus = 201;
beforeAll(async () => {
  // A small app: POST /api/comments/ wants its JSON body and header, /old/ redirects, / is a page.
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/api/comments/') {
        const ok = req.method === 'POST' && req.headers['content-type'] === 'application/json' && body === '{"text":"x"}';
        res.statusCode = ok ? createdStatus : 400;
      } else if (req.url === '/old/') {
        res.statusCode = 301;
        res.setHeader('location', '/');
      } else if (req.url === '/host') {
        res.statusCode = req.headers.host === 'tickets.example.com' ? 200 : 400;
      } else res.statusCode = req.url === '/' ? 200 : 404;
      res.end('x');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const TRAFFIC: Endpoint[] = [
  { name: 'home', path: '/', weight: 6, method: 'GET', status: 200 },
  {
    name: 'comment',
    path: '/api/comments/',
    weight: 1,
    method: 'POST',
    body: '{"text":"x"}',
    headers: { 'content-type': 'application/json' },
    status: 201,
  },
  { name: 'moved', path: '/old/', weight: 1, method: 'GET', status: 301 },
];

describe('endpoint probe', () => {
  it('sends each endpoint with its method, body and headers and wants its own status (a redirect is not followed)', async () => {
    createdStatus = 201;
    expect(await failingEndpoints('127.0.0.1', TRAFFIC, port)).toEqual([]);
  });

  it('names the endpoint whose answer is not the expected status, with both statuses', async () => {
    createdStatus = 200;
    expect(await failingEndpoints('127.0.0.1', TRAFFIC, port)).toEqual([{ path: '/api/comments/', why: 'HTTP 200, expected 201' }]);
    // Without the body the app refuses it: the probe really sent the body.
    const noBody = TRAFFIC.map((e) => (e.name === 'comment' ? { ...e, body: undefined } : e));
    createdStatus = 201;
    expect(await failingEndpoints('127.0.0.1', noBody, port)).toEqual([{ path: '/api/comments/', why: 'HTTP 400, expected 201' }]);
  });

  it('without an expected status any answer below 400 is fine, as the load counts it', async () => {
    expect(
      await failingEndpoints(
        '127.0.0.1',
        [
          { name: 'a', path: '/old/', weight: 1 },
          { name: 'b', path: '/nope', weight: 1 },
        ],
        port,
      ),
    ).toEqual([{ path: '/nope', why: 'HTTP 404' }]);
  });

  it("sends the app's own host name when given (an app that answers only for its domain)", async () => {
    const host: Endpoint[] = [{ name: 'h', path: '/host', weight: 1, status: 200 }];
    expect(await failingEndpoints('127.0.0.1', host, port)).toEqual([{ path: '/host', why: 'HTTP 400, expected 200' }]);
    expect(await failingEndpoints('127.0.0.1', host, port, 5000, 'tickets.example.com')).toEqual([]);
  });
});
