/** The recipe's shared shape checks: plain mappings, known keys, text that survives every file it lands in. */
import { InputError } from '../errors.ts';

export const CONTROL = /[\u0000-\u001f\u007f]/;
// With the u flag only unpaired halves match: a pair is one code point (an emoji is fine).
const LONE_SURROGATE = /\p{Surrogate}/u;
// Far deeper than any recipe field (recipe.traffic.endpoints[0].headers.x is 5): a deeper document is not a recipe.
const MAX_DEPTH = 12;

/** A plain mapping: not a list, a date, binary data or a YAML set, which are objects too. */
export function isMapping(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A key as it appears in a field path: unpaired surrogates written as \uXXXX, so the message is valid UTF-8. */
export const keyText = (k: string): string => k.replace(/\p{Surrogate}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export const at = (where: string, k: string): string => `${where}.${keyText(k)}`;

/** The mapping at `where`, with no key outside `allowed`. */
export function mapping(v: unknown, where: string, allowed: readonly string[], example: string): Record<string, unknown> {
  if (!isMapping(v)) throw new InputError(where, v ?? null, 'must be a mapping', `write ${example}`);
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k))
      throw new InputError(at(where, k), v[k], `unknown key; allowed: ${allowed.join(', ')}`, 'remove it or fix its spelling');
  }
  return v;
}

/**
 * Refuses any key or string holding an unpaired UTF-16 surrogate (JSON's "\ud800" parses to one): no UTF-8
 * file, shell or HTTP request can carry it, so it would be silently replaced downstream.
 */
export function refuseUnencodable(v: unknown, where: string, depth = 0): void {
  if (depth > MAX_DEPTH)
    throw new InputError(
      where,
      '…',
      `is nested deeper than ${MAX_DEPTH} levels; no recipe field is`,
      'check the file against docs/recipe.md',
    );
  if (typeof v === 'string') {
    if (LONE_SURROGATE.test(v))
      throw new InputError(
        where,
        v,
        'holds an unpaired UTF-16 surrogate, which no UTF-8 text can encode',
        'remove the stray \\uD800-\\uDFFF escape',
      );
  } else if (Array.isArray(v)) {
    v.forEach((item, i) => {
      refuseUnencodable(item, `${where}[${i}]`, depth + 1);
    });
  } else if (isMapping(v)) {
    for (const [k, item] of Object.entries(v)) {
      if (LONE_SURROGATE.test(k))
        throw new InputError(
          at(where, k),
          k,
          'this key holds an unpaired UTF-16 surrogate, which no UTF-8 text can encode',
          'remove the stray \\uD800-\\uDFFF escape',
        );
      refuseUnencodable(item, at(where, k), depth + 1);
    }
  }
}

/** A string of 1..maxChars characters without control characters. */
export function text(v: unknown, where: string, what: string, maxChars: number): string {
  if (typeof v !== 'string') throw new InputError(where, v ?? null, `must be a string (${what})`, 'quote it');
  if (v.length < 1 || v.length > maxChars || CONTROL.test(v)) {
    throw new InputError(
      where,
      v,
      `must be 1-${maxChars} characters with no control characters (newlines, tabs, NUL)`,
      'shorten it or remove them',
    );
  }
  return v;
}

/** A list of at most maxItems entries (each checked by `item`). */
export function list<T>(v: unknown, where: string, maxItems: number, example: string, item: (x: unknown, at: string) => T): T[] {
  if (!Array.isArray(v) || v.length > maxItems)
    throw new InputError(where, v ?? null, `must be a list of at most ${maxItems} entries`, `write ${example}`);
  return v.map((x, i) => item(x, `${where}[${i}]`));
}

/** A finite number in (lo, hi] (or [lo, hi] when loInclusive), optionally whole. */
export function number(v: unknown, where: string, lo: number, hi: number, opts: { whole?: boolean; loInclusive?: boolean } = {}): number {
  const ok =
    typeof v === 'number' && Number.isFinite(v) && (opts.loInclusive ? v >= lo : v > lo) && v <= hi && (!opts.whole || Number.isInteger(v));
  if (!ok) {
    const kind = opts.whole ? 'a whole number' : 'a number';
    throw new InputError(
      where,
      v ?? null,
      `must be ${kind} ${opts.loInclusive ? 'from' : 'above'} ${lo} ${opts.loInclusive ? 'to' : 'and at most'} ${hi}`,
      'set it within that range',
    );
  }
  return v;
}

/** A mapping of names to strings; keys checked by `key`, values by `value`. Built with fromEntries, so a "__proto__" key stays data. */
export function stringMap(
  v: unknown,
  where: string,
  maxEntries: number,
  key: (k: string, at: string) => void,
  value: (val: string, at: string) => void,
): Record<string, string> {
  if (v === undefined) return {};
  if (!isMapping(v)) throw new InputError(where, v, 'must be a mapping of names to strings', 'write NAME: "value" pairs');
  const entries = Object.entries(v);
  if (entries.length > maxEntries) throw new InputError(where, `${entries.length} entries`, `at most ${maxEntries}`, 'drop some');
  for (const [k, val] of entries) {
    key(k, at(where, k));
    if (typeof val !== 'string')
      throw new InputError(
        at(where, k),
        val ?? null,
        'must be a string (quote numbers, booleans and dates)',
        `write ${k}: "${String(val)}"`,
      );
    value(val, at(where, k));
  }
  return Object.fromEntries(entries) as Record<string, string>;
}
