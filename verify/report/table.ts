/** HTML table pieces shared by the reports; every value is escaped here, so callers pass raw (user) text. */
import { esc } from './svg.ts';

export const cell = (s: unknown) => `<td>${esc(s === null || s === undefined ? '—' : String(s))}</td>`;
export const statusCell = (s: string) => `<td class="${esc(s)}">${esc(s)}</td>`;
/** `rows`: whole `<tr>` elements. */
export const table = (head: string[], rows: string[]) =>
  `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
