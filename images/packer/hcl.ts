/** Prints the HCL model in the layout `packer fmt` produces, so `packer fmt -check` passes unchanged. */
import type { Block, HclFile, Item, Value } from './ast.ts';

const INDENT = '  ';
const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Escapes text for an HCL quoted string: nothing in it can start an interpolation or a directive. */
export function escapeHclString(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  // `$${` and `%%{` are HCL's literal forms of `${` and `%{`.
  // Function replacements: in a replacement string `$$` would itself collapse to `$`.
  return out.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

const quote = (text: string) => `"${escapeHclString(text)}"`;
const key = (k: string) => (IDENT.test(k) ? k : quote(k));

/** True when the value prints on one line (fmt aligns only such attributes). */
const singleLine = (v: Value) => v.kind !== 'obj' || v.entries.length === 0;

function inline(v: Value): string {
  switch (v.kind) {
    case 'str':
      return quote(v.value);
    case 'num':
      return String(v.value);
    case 'bool':
      return String(v.value);
    case 'ref':
      return v.hcl;
    case 'tmpl':
      return `"${v.parts.map((p) => (typeof p === 'string' ? escapeHclString(p) : `\${${p.hcl}}`)).join('')}"`;
    case 'list':
      return `[${v.items.map(inline).join(', ')}]`;
    case 'call':
      return `${v.fn}(${v.args.map(inline).join(', ')})`;
    case 'op':
      return `${inline(v.left)} ${v.op} ${inline(v.right)}`;
    case 'obj':
      if (v.entries.length) throw new Error('kiln bug: a non-empty object only prints as an attribute value, one entry per line');
      return '{}';
  }
}

/** One `name = value` row (value may span lines) before alignment. */
interface Row {
  name: string;
  value: Value;
  comment?: string;
}

const isBlock = (row: Row | Block): row is Block => 'kind' in row && row.kind === 'block';

/** Rows of consecutive single-line assignments share one `=` column; a comment, block or multi-line value ends the run. */
function alignWidths(rows: (Row | Block)[]): Map<number, number> {
  const widths = new Map<number, number>();
  let run: number[] = [];
  const closeRun = () => {
    const width = Math.max(0, ...run.map((i) => (rows[i] as Row).name.length));
    for (const i of run) widths.set(i, width);
    run = [];
  };
  rows.forEach((row, i) => {
    if (isBlock(row) || row.comment !== undefined) closeRun();
    if (!isBlock(row) && singleLine(row.value)) run.push(i);
    else closeRun();
  });
  closeRun();
  return widths;
}

function printRows(rows: (Row | Block)[], depth: number): string[] {
  const pad = INDENT.repeat(depth);
  const widths = alignWidths(rows);
  const lines: string[] = [];
  rows.forEach((row, i) => {
    const prev = rows[i - 1];
    // A blank line sets every block apart from its neighbours.
    if (prev && (isBlock(row) || isBlock(prev))) lines.push('');
    if (row.comment !== undefined) lines.push(`${pad}# ${comment(row.comment)}`);
    if (isBlock(row)) {
      lines.push(...printBlock(row, depth));
      return;
    }
    const lead = `${pad}${row.name.padEnd(widths.get(i) ?? row.name.length)} = `;
    if (row.value.kind !== 'obj' || singleLine(row.value)) lines.push(lead + inline(row.value));
    else
      lines.push(
        `${lead}{`,
        ...printRows(
          row.value.entries.map(([k, v]) => ({ name: key(k), value: v })),
          depth + 1,
        ),
        `${pad}}`,
      );
  });
  return lines;
}

function comment(text: string): string {
  if (/[\r\n]/.test(text)) throw new Error(`kiln bug: HCL comment ${JSON.stringify(text)} spans lines`);
  return text;
}

function printBlock(b: Block, depth: number): string[] {
  const pad = INDENT.repeat(depth);
  const head = [b.type, ...b.labels.map(quote)].join(' ');
  const rows = b.body.map((item: Item) => (item.kind === 'block' ? item : { name: item.name, value: item.value, comment: item.comment }));
  return [`${pad}${head} {`, ...printRows(rows, depth + 1), `${pad}}`];
}

/** The whole file: header comments, then top-level blocks separated by blank lines. */
export function printHcl(file: HclFile): string {
  const out: string[] = file.header.map((h) => `# ${comment(h)}`);
  for (const b of file.body) {
    if (out.length) out.push('');
    if (b.comment !== undefined) out.push(`# ${comment(b.comment)}`);
    out.push(...printBlock(b, 0));
  }
  return `${out.join('\n')}\n`;
}
