/**
 * gunicorn --check-config with the rendered gunicorn.conf.py at its real path: the host venv (same pinned
 * gunicorn and Django) mounted at the image's venv path, the rendered app at /opt/kiln/app, so the config's
 * chdir and the WSGI import work as on the image. --print-config also shows the values gunicorn took.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { APP_ROOT } from '../../../images/files/app.ts';
import { GUNICORN_CONF, gunicornParams } from '../../../images/files/gunicorn.ts';
import { inSandbox } from '../sandbox.ts';
import type { Validator } from '../types.ts';
import { finding, HOST_VENV, IMAGE_VENV, mismatches, requirePath, rootfsOf, venvLayer } from './common.ts';

const TOOL = 'gunicorn --check-config';

/** How gunicorn's --print-config shows a value. */
const shown = (v: number | string | boolean) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));

/** A WSGI callable at `module:attr` under `dir` (packages made as needed): gunicorn can load its config against it. */
async function standIn(dir: string, wsgi: string): Promise<void> {
  const [module, attr] = wsgi.split(':') as [string, string];
  const parts = module.split('.');
  for (let i = 1; i < parts.length; i++) {
    await mkdir(join(dir, ...parts.slice(0, i)), { recursive: true });
    await writeFile(join(dir, ...parts.slice(0, i), '__init__.py'), '');
  }
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, ...parts.slice(0, -1), `${parts.at(-1)}.py`),
    `def ${attr}(environ, start_response):\n    start_response("204 No Content", [])\n    return []\n`,
  );
}

export const gunicornValidator: Validator = {
  name: TOOL,
  roles: ['gunicorn'],
  needs: ['unshare', `${HOST_VENV}/bin/gunicorn`],
  versioned: {
    program: 'Python',
    argv: () => [`${HOST_VENV}/bin/python`, '--version'],
    image: (d) => d.versions.python,
    unchecked: "how gunicorn and the app behave under the image's Python (the bake imports them with it; verify serves them on the box)",
  },
  run: async (ctx) => {
    const missing = requirePath(ctx, TOOL, GUNICORN_CONF);
    if (missing) return [missing];
    const venv = await venvLayer(ctx.scratch);
    const g = `${IMAGE_VENV}/bin/gunicorn -c ${GUNICORN_CONF}`;
    const app = ctx.rendered.context.recipe.app;
    // The canary is rendered with the image and imports here; a team's app needs its own venv, built at bake,
    // where provisioning imports it (app_build.py): here the config is read with a stand-in at the app's WSGI path.
    const canary = app.source.kind === 'canary';
    const appDir = join(ctx.scratch, 'app-dir-layer');
    if (!canary) await standIn(join(appDir, APP_ROOT), app.wsgi);
    const check = '--check-config --print-config';
    const r = await inSandbox({
      rootfs: rootfsOf(ctx),
      extraRoots: canary ? [venv.root] : [venv.root, appDir],
      binds: [venv.bind],
      // The env file is written at first boot; the settings module needs a secret key to import.
      env: { ...process.env, KILN_SECRET_KEY: 'kiln-validate-not-a-secret', PYTHONDONTWRITEBYTECODE: '1' },
      // One run: --print-config prints the settings, --check-config then imports the app; either failing exits 1.
      script: `cd / && echo '--- CONFIG' && ${g} ${check} ${app.wsgi}`,
    });
    if (r.exitCode !== 0) return [finding(TOOL, GUNICORN_CONF, false, r.output || `exit ${r.exitCode}`)];
    const printed = new Map(
      (r.output.split('--- CONFIG\n')[1] ?? '')
        .split('\n')
        .map((l) => l.split(/\s+=\s+/))
        .map(([k, v]) => [k!.trim(), (v ?? '').trim()] as [string, string]),
    );
    const want = Object.fromEntries(gunicornParams(ctx.rendered.context).map((p) => [p.name, shown(p.value)]));
    const bad = mismatches({ ...want, chdir: '/opt/kiln/app', bind: "['unix:/run/kiln-app/gunicorn.sock']" }, printed);
    return [
      finding(
        TOOL,
        GUNICORN_CONF,
        bad.length === 0,
        bad.length
          ? `${bad.join('\n')}\n${r.output}`
          : `config ok, ${canary ? `app ${app.wsgi} imported` : `read with a stand-in at ${app.wsgi} (the app itself is imported at bake)`}; ${Object.keys(want).length} tuned values read back`,
      ),
    ];
  },
};
