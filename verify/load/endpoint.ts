import { InputError } from '../../images/errors.ts';
import type { Endpoint, LoadMethod } from './types.ts';

export const LOAD_METHODS: readonly LoadMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** the generator frames the body itself; a caller's framing header would desync the keep-alive stream */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding']);
/** RFC 9110 token: anything else in a header name breaks the request */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** no CR/LF/NUL or other controls (header injection), and latin1 only: header bytes are sent as latin1 */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** printable ASCII without spaces: the path goes verbatim onto the request line */
const REQUEST_PATH = /^\/[\x21-\x7e]*$/;

const positive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;

/**
 * Checks a mix the generator will send; throws InputError (exit 2) naming the field. Endpoints may come
 * from a user's recipe, so everything that lands on the wire is checked, not trusted.
 */
export function checkEndpoints(endpoints: unknown, field = 'endpoints'): asserts endpoints is Endpoint[] {
  if (!Array.isArray(endpoints) || endpoints.length === 0) {
    throw new InputError(field, endpoints, 'a non-empty list of { name, path, weight }', 'give at least one endpoint');
  }
  const seen = new Set<string>();
  endpoints.forEach((e: Endpoint, i) => {
    const f = `${field}[${i}]`;
    if (typeof e.name !== 'string' || e.name === '') throw new InputError(`${f}.name`, e.name, 'a non-empty label', 'name the endpoint');
    if (seen.has(e.name))
      throw new InputError(
        `${f}.name`,
        e.name,
        'a name no other endpoint has',
        'give each endpoint its own name: reports and limits are keyed by it',
      );
    seen.add(e.name);
    if (typeof e.path !== 'string' || !REQUEST_PATH.test(e.path)) {
      throw new InputError(
        `${f}.path`,
        e.path,
        'an absolute path like /health (printable ASCII, no spaces; percent-encode the rest)',
        'fix the path',
      );
    }
    if (!positive(e.weight) || e.weight > 1e9)
      throw new InputError(`${f}.weight`, e.weight, 'a number in (0, 1e9]', 'give a positive weight');
    if (e.method !== undefined && !LOAD_METHODS.includes(e.method))
      throw new InputError(`${f}.method`, e.method, LOAD_METHODS.join(', '), 'use a supported method');
    if (e.body !== undefined && typeof e.body !== 'string') throw new InputError(`${f}.body`, e.body, 'a string', 'give the body as text');
    if (e.headers !== undefined && (typeof e.headers !== 'object' || e.headers === null || Array.isArray(e.headers))) {
      throw new InputError(`${f}.headers`, e.headers, 'a map of header name -> value', 'give headers as a map');
    }
    for (const [k, v] of Object.entries(e.headers ?? {})) {
      if (!TOKEN.test(k) || FRAMING_HEADERS.has(k.toLowerCase())) {
        throw new InputError(
          `${f}.headers`,
          k,
          'a header name (token), not Content-Length or Transfer-Encoding',
          'drop the header or fix its name: the body length is computed',
        );
      }
      if (typeof v !== 'string' || !FIELD_VALUE.test(v))
        throw new InputError(`${f}.headers.${k}`, v, 'a single-line latin1 string', 'remove line breaks and control characters');
    }
    if (e.status !== undefined && !(Number.isInteger(e.status) && e.status >= 100 && e.status <= 599)) {
      throw new InputError(`${f}.status`, e.status, 'an HTTP status from 100 to 599', 'give the status a correct answer has');
    }
    for (const k of ['p95Ms', 'p99Ms'] as const) {
      if (e[k] !== undefined && !positive(e[k]))
        throw new InputError(`${f}.${k}`, e[k], 'a positive number of ms', 'give the latency limit in ms or leave it out');
    }
  });
}
