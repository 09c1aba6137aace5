/**
 * gunicorn --check-config with the rendered gunicorn.conf.py at its real path: the host venv (same pinned
 * gunicorn and Django) mounted at the image's venv path, the rendered app at /opt/kiln/app, so the config's
 * chdir and the WSGI import work as on the image. --print-config also shows the values gunicorn took.
 */
import { GUNICORN_CONF, gunicornParams } from '../../../images/files/gunicorn.ts';
import { inSandbox } from '../sandbox.ts';
import type { Validator } from '../types.ts';
import { finding, HOST_VENV, IMAGE_VENV, mismatches, requirePath, rootfsOf, venvLayer } from './common.ts';

const TOOL = 'gunicorn --check-config';
const APP = 'kiln_canary.wsgi:application';

/** How gunicorn's --print-config shows a value. */
const shown = (v: number | string | boolean) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));

export const gunicornValidator: Validator = {
  name: TOOL,
  roles: ['gunicorn'],
  needs: ['unshare', `${HOST_VENV}/bin/gunicorn`],
  versioned: { program: 'Python', argv: () => [`${HOST_VENV}/bin/python`, '--version'], image: (d) => d.versions.python,
    unchecked: 'how gunicorn and the app behave under the image\'s Python (the bake imports them with it; verify serves them on the box)' },
  run: async (ctx) => {
    const missing = requirePath(ctx, TOOL, GUNICORN_CONF);
    if (missing) return [missing];
    const venv = await venvLayer(ctx.scratch);
    const g = `${IMAGE_VENV}/bin/gunicorn -c ${GUNICORN_CONF}`;
    const r = await inSandbox({
      rootfs: rootfsOf(ctx),
      extraRoots: [venv.root],
      binds: [venv.bind],
      // The env file is written at first boot; the settings module needs a secret key to import.
      env: { ...process.env, KILN_SECRET_KEY: 'kiln-validate-not-a-secret', PYTHONDONTWRITEBYTECODE: '1' },
      // One run: --print-config prints the settings, --check-config then imports the app; either failing exits 1.
      script: `cd / && echo '--- CONFIG' && ${g} --check-config --print-config ${APP}`,
    });
    if (r.exitCode !== 0) return [finding(TOOL, GUNICORN_CONF, false, r.output || `exit ${r.exitCode}`)];
    const printed = new Map((r.output.split('--- CONFIG\n')[1] ?? '').split('\n').map((l) => l.split(/\s+=\s+/)).map(([k, v]) => [k!.trim(), (v ?? '').trim()] as [string, string]));
    const want = Object.fromEntries(gunicornParams(ctx.rendered.context).map((p) => [p.name, shown(p.value)]));
    const bad = mismatches({ ...want, chdir: '/opt/kiln/app', bind: "['unix:/run/kiln-app/gunicorn.sock']" }, printed);
    return [finding(TOOL, GUNICORN_CONF, bad.length === 0,
      bad.length ? `${bad.join('\n')}\n${r.output}` : `config ok, app ${APP} imported; ${Object.keys(want).length} tuned values read back`)];
  },
};
