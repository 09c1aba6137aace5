/** The HCL2 subset kiln writes: typed values, attributes and blocks. User data only ever enters as `str`. */

/** A literal string: the writer escapes quotes, control characters and `${`/`%{`, so it can never become code. */
export interface Str {
  kind: 'str';
  value: string;
}
export interface Num {
  kind: 'num';
  value: number;
}
export interface Bool {
  kind: 'bool';
  value: boolean;
}
/** A reference written by kiln (`var.region`, `path.root`, `merge(...)`): never built from user input. */
export interface Ref {
  kind: 'ref';
  hcl: string;
}
/** A quoted template mixing literal text (escaped) and kiln-written interpolations. */
export interface Tmpl {
  kind: 'tmpl';
  parts: (string | Ref)[];
}
/** Single-line list of scalars. */
export interface List {
  kind: 'list';
  items: Value[];
}
/** Object constructor written one entry per line; keys are quoted literals. */
export interface Obj {
  kind: 'obj';
  entries: [string, Value][];
}
/** A function call written by kiln, e.g. `merge(var.tags, local.lineage)`; arguments are values. */
export interface Call {
  kind: 'call';
  fn: string;
  args: Value[];
}
/** A binary operation; `&&` binds looser than the comparisons, so no parentheses are needed. */
export interface Op {
  kind: 'op';
  op: '==' | '!=' | '&&';
  left: Value;
  right: Value;
}
export type Value = Str | Num | Bool | Ref | Tmpl | List | Obj | Call | Op;

export interface Attr {
  kind: 'attr';
  name: string;
  value: Value;
  comment?: string;
}
export interface Block {
  kind: 'block';
  type: string;
  labels: string[];
  body: Item[];
  comment?: string;
}
export type Item = Attr | Block;
export interface HclFile {
  header: string[];
  body: Block[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
// Kiln-written references: traversals like `var.region` or `path.root` only.
const REF = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export const str = (value: string): Str => ({ kind: 'str', value });
export const num = (value: number): Num => {
  if (!Number.isFinite(value)) throw new Error(`kiln bug: HCL number ${value} is not finite`);
  return { kind: 'num', value };
};
export const bool = (value: boolean): Bool => ({ kind: 'bool', value });
export const ref = (hcl: string): Ref => {
  if (!REF.test(hcl)) throw new Error(`kiln bug: ${JSON.stringify(hcl)} is not a plain HCL reference`);
  return { kind: 'ref', hcl };
};
export const tmpl = (...parts: (string | Ref)[]): Tmpl => ({ kind: 'tmpl', parts });
export const call = (fn: string, ...args: Value[]): Call => {
  if (!/^[a-z_]+$/.test(fn)) throw new Error(`kiln bug: ${JSON.stringify(fn)} is not an HCL function name`);
  return { kind: 'call', fn, args };
};
export const op = (left: Value, o: Op['op'], right: Value): Op => ({ kind: 'op', op: o, left, right });
export const list = (...items: Value[]): List => ({ kind: 'list', items });
export const obj = (entries: Record<string, Value>): Obj => ({ kind: 'obj', entries: Object.entries(entries) });

export function attr(name: string, value: Value, comment?: string): Attr {
  if (!IDENT.test(name)) throw new Error(`kiln bug: ${JSON.stringify(name)} is not an HCL identifier`);
  return comment === undefined ? { kind: 'attr', name, value } : { kind: 'attr', name, value, comment };
}

export function block(type: string, labels: string[], body: (Item | false | undefined)[], comment?: string): Block {
  if (!IDENT.test(type)) throw new Error(`kiln bug: ${JSON.stringify(type)} is not an HCL block type`);
  // `false`/`undefined` entries let the model drop an item by a flag without branching around the list.
  const items = body.filter((i): i is Item => Boolean(i));
  const names = items.flatMap((i) => (i.kind === 'attr' ? [i.name] : []));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`kiln bug: attribute ${twice} set twice in ${type} (HCL rejects it)`);
  return comment === undefined ? { kind: 'block', type, labels, body: items } : { kind: 'block', type, labels, body: items, comment };
}

/** Attributes from a record, in insertion order. */
export const attrs = (values: Record<string, Value>): Attr[] => Object.entries(values).map(([n, v]) => attr(n, v));
