/**
 * systemd-analyze verify on every unit kiln renders or drops into, with the rendered unit and drop-ins at their
 * real paths over the host's packaged units (no systemd PID 1 is needed for verify). It exits 0 on unknown keys
 * and unparsable values, so any line it prints is a failure, attributed to the file it names.
 */
import { inSandbox } from '../sandbox.ts';
import { shellQuote as q } from '../../../lib/shell-quote.ts';
import type { Finding, ValidateContext, Validator } from '../types.ts';
import { finding, HOST_VENV, pathsOf, rootfsOf, venvLayer } from './common.ts';

const TOOL = 'systemd-analyze verify';
const UNIT_DIR = '/etc/systemd/system/';

/** The unit a rendered path configures: `<unit>.d/x.conf` -> unit, `<unit>` -> unit. */
export const unitOf = (path: string) => path.slice(UNIT_DIR.length).split('/')[0]!.replace(/\.d$/, '');

/** Which rendered file a line of verify output is about: named by path, or by unit for unit-level messages. */
function attribute(line: string, files: string[]): string {
  return (
    files.find((f) => line.startsWith(`${f}:`))
    ?? files.find((f) => !f.includes('.d/') && line.startsWith(`${unitOf(f)}:`))
    ?? files.find((f) => line.startsWith(`${unitOf(f)}:`))
    ?? '*'
  );
}

export function findingsOf(output: string, exitCode: number, files: string[]): Finding[] {
  const lines = output.split('\n').filter((l) => l.trim());
  const byFile = new Map<string, string[]>();
  for (const l of lines) byFile.set(attribute(l, files), [...(byFile.get(attribute(l, files)) ?? []), l]);
  const out = files.map((f) => finding(TOOL, f, !byFile.has(f), byFile.get(f)?.join('\n') ?? `${unitOf(f)}: verified, no complaints`));
  if (byFile.has('*') || (exitCode !== 0 && !lines.length))
    out.push(finding(TOOL, '*', false, byFile.get('*')?.join('\n') ?? `exit ${exitCode}`));
  else if (exitCode !== 0) out.push(finding(TOOL, '*', false, `exit ${exitCode}:\n${output}`));
  return out;
}

export const systemdValidator: Validator = {
  name: TOOL,
  roles: ['systemd'],
  needs: ['systemd-analyze', 'unshare', `${HOST_VENV}/bin/gunicorn`],
  versioned: { program: 'systemd', argv: () => ['systemd-analyze', '--version'], image: (d) => d.versions.systemd },
  run: async (ctx: ValidateContext) => {
    const files = pathsOf(ctx, 'systemd')
      .filter((p) => p.startsWith(UNIT_DIR))
      .sort();
    if (!files.length) return [finding(TOOL, '*', false, 'no systemd unit or drop-in in the render')];
    const units = [...new Set(files.map(unitOf))];
    // ExecStart= must be executable: the host venv stands at the image's venv path.
    const venv = await venvLayer(ctx.scratch);
    const r = await inSandbox({
      rootfs: rootfsOf(ctx),
      extraRoots: [venv.root],
      binds: [venv.bind],
      script: `systemd-analyze verify --man=no ${units.map(q).join(' ')} 2>&1`,
    });
    return findingsOf(r.output, r.exitCode, files);
  },
};
