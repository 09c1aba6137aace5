/** Handlebars, isolated and strict: no HTML escaping, a missing value is an error, not an empty string. */
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';

const hb = Handlebars.create();
const compiled = new Map<string, Handlebars.TemplateDelegate>();

// Values interpolated into config files must be single-line: a newline would start a new directive.
hb.registerHelper('line', (v: unknown) => {
  const s = String(v);
  if (/[\r\n]/.test(s)) throw new Error(`template value ${JSON.stringify(s)} contains a newline`);
  return s;
});
hb.registerHelper('join', (list: unknown[], sep: string) => list.join(typeof sep === 'string' ? sep : ' '));
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);

/** Renders `templates/<name>` (read once: the templates are part of the program, not input). */
export function renderTemplate(name: string, context: object): string {
  let fn = compiled.get(name);
  if (!fn) {
    const text = readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
    fn = hb.compile(text, { noEscape: true, strict: true });
    compiled.set(name, fn);
  }
  return fn(context);
}
