import { describe, expect, it } from 'vitest';
import { InputError } from '../images/errors.ts';
import { BUILTIN_TIERS } from '../images/tiers.ts';
import type { Traffic } from '../images/web.ts';
import { canaryLoad, CANARY_MIX, connectionsFor, DEFAULT_LOAD_SHAPE, targetRpsFor, trafficLoad } from './defaults.ts';

const nano = BUILTIN_TIERS.find((t) => t.name === 'nano')!;
const traffic = (over: Partial<Traffic> = {}): Traffic => ({
  endpoints: [
    { name: 'home', method: 'GET', path: '/', weight: 3, status: 200 },
    {
      name: 'signup',
      method: 'POST',
      path: '/signup?ref=x',
      weight: 1,
      status: 201,
      body: 'email=a%40b.c',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      p95Ms: 300,
      p99Ms: 2000,
    },
  ],
  ...over,
});

describe('trafficLoad', () => {
  it('without traffic is exactly the canary load', () => {
    expect(trafficLoad('10.0.0.2', null, nano.slo, DEFAULT_LOAD_SHAPE, 8080)).toEqual(
      canaryLoad('10.0.0.2', nano.slo, DEFAULT_LOAD_SHAPE, 8080),
    );
    expect(trafficLoad('10.0.0.2', null, nano.slo).endpoints).toEqual([...CANARY_MIX]);
    expect(targetRpsFor(nano.slo, null)).toBe(nano.slo.targetRps);
  });

  it("maps the recipe's endpoints with their expected status and limits, and sizes the pool for the slowest allowed p99", () => {
    const load = trafficLoad('10.0.0.2', traffic({ targetRps: 40 }), nano.slo);
    expect(load.endpoints).toEqual([
      { name: 'home', method: 'GET', path: '/', weight: 3, status: 200 },
      {
        name: 'signup',
        method: 'POST',
        path: '/signup?ref=x',
        weight: 1,
        status: 201,
        body: 'email=a%40b.c',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        p95Ms: 300,
        p99Ms: 2000,
      },
    ]);
    // 40 req/s × 2 s (signup's p99 limit, above the tier's 500 ms) × 2 = 160
    expect(load.maxConnections).toBe(160);
    expect(load.maxConnections).toBe(connectionsFor(40, nano.slo, load.endpoints));
    expect(connectionsFor(40, nano.slo)).toBe(40);
    expect(targetRpsFor(nano.slo, traffic({ targetRps: 40 }))).toBe(40);
    expect(targetRpsFor(nano.slo, traffic())).toBe(nano.slo.targetRps);
    const unnamed = trafficLoad('h', { endpoints: [{ name: '', method: 'DELETE', path: '/cart/1', weight: 1, status: 204 }] }, nano.slo);
    expect(unnamed.endpoints[0].name).toBe('DELETE /cart/1');
  });

  it('refuses traffic the generator cannot send, naming the field', () => {
    const bad = (t: Traffic, field: RegExp) => {
      expect(() => trafficLoad('h', t, nano.slo)).toThrow(InputError);
      expect(() => trafficLoad('h', t, nano.slo)).toThrow(field);
    };
    const [home, signup] = traffic().endpoints;
    bad(traffic({ targetRps: 0 }), /traffic\.targetRps/);
    bad({ endpoints: [] }, /traffic\.endpoints/);
    bad({ endpoints: [home, { ...signup, name: 'home' }] }, /traffic\.endpoints\[1\]\.name/);
    bad({ endpoints: [{ ...home, headers: { 'X-Evil': 'a\r\nHost: elsewhere' } }] }, /traffic\.endpoints\[0\]\.headers\.X-Evil/);
    bad({ endpoints: [{ ...home, headers: { 'Content-Length': '5' } }] }, /traffic\.endpoints\[0\]\.headers/);
    bad({ endpoints: [{ ...home, path: '/a b' }] }, /traffic\.endpoints\[0\]\.path/);
    bad({ endpoints: [{ ...home, status: 2000 }] }, /traffic\.endpoints\[0\]\.status/);
    bad({ endpoints: [{ ...home, p99Ms: -1 }] }, /traffic\.endpoints\[0\]\.p99Ms/);
    bad({ endpoints: [{ ...home, method: 'TRACE' as 'GET' }] }, /traffic\.endpoints\[0\]\.method/);
  });
});
