/**
 * sysctl: every key of the rendered file must exist under /proc/sys with a well-formed value. Never applied to
 * the host: net.* keys (per network namespace) are written with `sysctl -w` inside the sandbox's own netns,
 * where the kernel itself range-checks them; global keys (vm.*) are only read and shape-checked.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SYSCTL_PATH } from '../../../images/files/sysctl.ts';
import { inSandbox } from '../sandbox.ts';
import { shellQuote as q } from '../../../lib/shell-quote.ts';
import type { Validator } from '../types.ts';
import { finding, requirePath, rootfsOf } from './common.ts';

const TOOL = 'sysctl';

/** `key = value` lines of a sysctl.d file, as systemd-sysctl reads them. */
export function parseSysctl(text: string): { line: number; key: string; value: string; raw: string }[] {
  return text.split('\n').flatMap((raw, i) => {
    const t = raw.trim();
    if (!t || t.startsWith('#') || t.startsWith(';')) return [];
    const eq = t.indexOf('=');
    return [{ line: i + 1, key: eq < 0 ? t : t.slice(0, eq).trim(), value: eq < 0 ? '' : t.slice(eq + 1).trim(), raw }];
  });
}

const procPath = (key: string) => join('/proc/sys', key.replace(/\./g, '/'));
const words = (s: string) => s.trim().split(/\s+/).filter(Boolean);

export const sysctlValidator: Validator = {
  name: TOOL,
  roles: ['sysctl'],
  needs: ['sysctl', 'unshare'],
  run: async (ctx) => {
    const missing = requirePath(ctx, TOOL, SYSCTL_PATH);
    if (missing) return [missing];
    const entries = parseSysctl(readFileSync(join(rootfsOf(ctx), SYSCTL_PATH), 'utf8'));
    const problems: string[] = [];
    const netKeys: typeof entries = [];
    for (const e of entries) {
      const at = `${SYSCTL_PATH}:${e.line}: ${e.raw.trim()}`;
      if (!/^[a-z0-9_]+(\.[a-z0-9_-]+)+$/.test(e.key) || !existsSync(procPath(e.key))) {
        problems.push(`${at}: no such key under /proc/sys`);
        continue;
      }
      const current = words(readFileSync(procPath(e.key), 'utf8'));
      const value = words(e.value);
      const numeric = current.every((w) => /^-?\d+$/.test(w));
      if (!value.length || (numeric && (value.length !== current.length || !value.every((w) => /^-?\d+$/.test(w))))) {
        problems.push(`${at}: value must be ${current.length} integer(s) like the kernel's "${current.join(' ')}"`);
      } else if (e.key.startsWith('net.')) netKeys.push(e);
    }
    let output = `${entries.length - problems.length}/${entries.length} keys exist and are well-formed`;
    if (netKeys.length) {
      // Written in the sandbox's fresh network namespace only; read back to see what the kernel kept.
      const script = netKeys
        .map(
          (e) => `sysctl -w ${q(`${e.key}=${e.value}`)} >/dev/null || echo "FAILED ${e.key}"; echo "${e.key} => $(sysctl -n ${q(e.key)})"`,
        )
        .join('\n');
      const r = await inSandbox({ rootfs: rootfsOf(ctx), script });
      output += `\nsysctl -w in a private netns:\n${r.output}`;
      for (const e of netKeys) {
        const back = r.output
          .split('\n')
          .find((l) => l.startsWith(`${e.key} => `))
          ?.slice(e.key.length + 4);
        if (r.output.includes(`FAILED ${e.key}`) || back === undefined || words(back).join(' ') !== words(e.value).join(' ')) {
          problems.push(`${SYSCTL_PATH}:${e.line}: the kernel did not take ${e.key} = ${e.value} (reads back ${JSON.stringify(back)})`);
        }
      }
    }
    return [finding(TOOL, SYSCTL_PATH, problems.length === 0, problems.length ? `${problems.join('\n')}\n${output}` : output)];
  },
};
