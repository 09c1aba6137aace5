/** recipe.traffic: the weighted requests verify, nightly, gate and bench send instead of the canary mix. */
import { InputError } from '../errors.ts';
import type { HttpMethod, Traffic, TrafficEndpoint } from '../web.ts';
import { at, list, mapping, number, stringMap, text } from './strings.ts';

export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const MAX_ENDPOINTS = 64;
const MAX_PATH_CHARS = 2048;
const MAX_BODY_BYTES = 64 * 1024;
const MAX_HEADERS = 32;
const MAX_HEADER_VALUE_CHARS = 4096;
const MAX_TARGET_RPS = 100_000;
const MAX_LIMIT_MS = 600_000;
// The request line is printable ASCII: a space would end the target, and a fragment (#) is never sent.
const REQUEST_PATH = /^\/[!-"$-~]*$/;
// RFC 7230 token.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Tab is legal inside a field value; CR, LF, NUL and the other controls would split or end the header.
const HEADER_VALUE_BAD = /[\u0000-\u0008\u000a-\u001f\u007f]/;
// Framing and connection headers: the load generator writes these itself, a second copy desynchronises the stream.
const GENERATOR_HEADERS = ['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te'];
export const ENDPOINT_KEYS = ['name', 'method', 'path', 'weight', 'body', 'headers', 'status', 'p95Ms', 'p99Ms'] as const;

/** An absolute request path with optional query, as sent on the request line. */
export function requestPath(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.length > MAX_PATH_CHARS || !REQUEST_PATH.test(v)) {
    throw new InputError(
      where,
      v ?? null,
      `must start with / and be at most ${MAX_PATH_CHARS} printable ASCII characters: no spaces, control characters, # or non-ASCII`,
      'percent-encode those characters (a space is %20)',
    );
  }
  return v;
}

function headersFrom(v: unknown, where: string): Record<string, string> {
  const seen = new Set<string>();
  return stringMap(
    v,
    where,
    MAX_HEADERS,
    (k, field) => {
      if (!HEADER_NAME.test(k))
        throw new InputError(field, k, "header names are HTTP tokens: letters, digits and !#$%&'*+-.^_`|~", 'rename the header');
      if (GENERATOR_HEADERS.includes(k.toLowerCase()))
        throw new InputError(field, k, `the load generator sets ${GENERATOR_HEADERS.join(', ')} itself`, 'remove the header');
      if (seen.has(k.toLowerCase()))
        throw new InputError(field, k, 'header names are case-insensitive and this one is given twice', 'keep one');
      seen.add(k.toLowerCase());
    },
    (val, field) => {
      if (val.length > MAX_HEADER_VALUE_CHARS || HEADER_VALUE_BAD.test(val)) {
        throw new InputError(
          field,
          val,
          `must be at most ${MAX_HEADER_VALUE_CHARS} characters without CR, LF, NUL or other control characters (a tab is fine)`,
          'fix the value',
        );
      }
    },
  );
}

function endpointFrom(v: unknown, where: string): TrafficEndpoint {
  const e = mapping(v, where, ENDPOINT_KEYS, '{ path: /, weight: 1 }');
  const method = e.method ?? 'GET';
  if (typeof method !== 'string' || !(HTTP_METHODS as readonly string[]).includes(method)) {
    throw new InputError(`${where}.method`, method, `must be one of ${HTTP_METHODS.join(', ')} (upper case)`, 'fix the method');
  }
  const path = requestPath(e.path, `${where}.path`);
  const out: TrafficEndpoint = {
    name: e.name === undefined ? `${method} ${path}` : text(e.name, `${where}.name`, 'a label in reports', 128),
    method: method as HttpMethod,
    path,
    weight: number(e.weight, `${where}.weight`, 0, 1e6),
    status: e.status === undefined ? 200 : number(e.status, `${where}.status`, 100, 599, { whole: true, loInclusive: true }),
  };
  if (e.body !== undefined) {
    if (method === 'GET' || method === 'HEAD')
      throw new InputError(
        `${where}.body`,
        e.body,
        `${method} requests carry no body`,
        'remove the body or use POST, PUT, PATCH or DELETE',
      );
    if (typeof e.body !== 'string')
      throw new InputError(`${where}.body`, e.body, 'must be a string (write JSON bodies as a quoted string)', 'quote it');
    if (new TextEncoder().encode(e.body).length > MAX_BODY_BYTES || e.body.includes('\0')) {
      throw new InputError(
        `${where}.body`,
        `${e.body.slice(0, 64)}…`,
        `must be at most ${MAX_BODY_BYTES / 1024} KiB of UTF-8 without NUL`,
        'shorten it',
      );
    }
    out.body = e.body;
  }
  if (e.headers !== undefined) out.headers = headersFrom(e.headers, `${where}.headers`);
  if (e.p95Ms !== undefined) out.p95Ms = number(e.p95Ms, `${where}.p95Ms`, 0, MAX_LIMIT_MS);
  if (e.p99Ms !== undefined) out.p99Ms = number(e.p99Ms, `${where}.p99Ms`, 0, MAX_LIMIT_MS);
  if (out.p95Ms !== undefined && out.p99Ms !== undefined && out.p95Ms > out.p99Ms) {
    throw new InputError(
      `${where}.p95Ms`,
      out.p95Ms,
      `must not exceed p99Ms (${out.p99Ms}): the 95th percentile is never above the 99th`,
      'swap or fix the limits',
    );
  }
  return out;
}

/** recipe.traffic; absent: null (the canary mix). */
export function trafficFrom(v: unknown, where: string): Traffic | null {
  if (v === undefined || v === null) return null;
  const t = mapping(v, where, ['targetRps', 'endpoints'], 'traffic: { endpoints: [{ path: /, weight: 1 }] }');
  if (!Array.isArray(t.endpoints) || t.endpoints.length < 1) {
    throw new InputError(
      `${where}.endpoints`,
      t.endpoints ?? null,
      `must be a list of 1-${MAX_ENDPOINTS} endpoints`,
      'list the requests to send, e.g. [{ path: /, weight: 1 }]',
    );
  }
  const endpoints = list(t.endpoints, `${where}.endpoints`, MAX_ENDPOINTS, '[{ path: /, weight: 1 }]', endpointFrom);
  endpoints.forEach((e, i) => {
    if (endpoints.findIndex((o) => o.name === e.name) !== i) {
      throw new InputError(
        at(`${where}.endpoints[${i}]`, 'name'),
        e.name,
        'endpoint names label the reports and must be unique (the default is "METHOD path")',
        'give one of them a distinct name',
      );
    }
  });
  const traffic: Traffic = { endpoints };
  if (t.targetRps !== undefined) traffic.targetRps = number(t.targetRps, `${where}.targetRps`, 0, MAX_TARGET_RPS);
  return traffic;
}
