/**
 * A tiny block-style YAML emitter for cloud-config documents read by PyYAML (YAML 1.1).
 *
 * Why not `yaml`'s stringify: even with `{ version: '1.1' }` it leaves `<<` and `=` plain (PyYAML reads them as
 * merge/value tags and fails) and writes U+2028 raw (PyYAML treats it as a line break). Here every string is a
 * double-quoted scalar with everything outside printable ASCII escaped, so PyYAML can only read back a str.
 */
export type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

// Keys stay plain only when no YAML 1.1 resolver could turn them into a bool, null, number or merge key.
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const YAML11_WORDS = /^(y|n|yes|no|on|off|true|false|null)$/i;

/** A double-quoted scalar: JSON's escapes (PyYAML reads them all) plus \u/\U for every non-ASCII code point. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    // Astral code points as one \U escape: PyYAML would keep a \u surrogate pair as two lone surrogates.
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

const key = (k: string) => (PLAIN_KEY.test(k) && !YAML11_WORDS.test(k) ? k : quote(k));

function scalar(v: Exclude<Yaml, Yaml[] | { [key: string]: Yaml }>): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`kiln bug: non-finite number ${v} in a cloud-config document`);
    return String(v);
  }
  return v === null ? 'null' : String(v);
}

const isMap = (v: Yaml): v is { [key: string]: Yaml } => typeof v === 'object' && v !== null && !Array.isArray(v);

function lines(v: Yaml, indent: string): string[] {
  if (Array.isArray(v)) {
    if (v.length === 0) return ['[]'];
    return v.flatMap((item) => {
      const body = lines(item, `${indent}  `);
      // A map item starts on the dash line: "- key: value", following keys aligned under it.
      return [`${indent}- ${body[0].trimStart()}`, ...body.slice(1)];
    });
  }
  if (isMap(v)) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return ['{}'];
    return entries.flatMap(([k, x]) => {
      const nested = (Array.isArray(x) && x.length > 0) || (isMap(x) && Object.keys(x).length > 0);
      return nested ? [`${indent}${key(k)}:`, ...lines(x, `${indent}  `)] : [`${indent}${key(k)}: ${lines(x, '')[0]}`];
    });
  }
  return [scalar(v)];
}

/** The document body (no `#cloud-config` header); the top level must be a map. */
export function emitYaml(doc: { [key: string]: Yaml }): string {
  return `${lines(doc, '').join('\n')}\n`;
}
