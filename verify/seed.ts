/** The recipe's seed command, run once on a candidate box before load: `python -m django ARGS` as the app, with its env. */
import { APP_ROOT } from '../images/files/app.ts';
import { APP_USER, VENV } from '../images/files/provision.ts';
import { type CheckResult, execError, fail, pass, type Remote } from './checks/types.ts';
import type { HostDescription } from '../model/host.ts';
import type { ImageBundle } from '../model/image-bundle.ts';
import { shellQuote as q } from '../lib/shell-quote.ts';
import { SshSession } from './ssh.ts';

/** Seeds can load fixtures or build search indexes: minutes, not seconds, but never unbounded. */
export const SEED_TIMEOUT_SEC = 600;

/** The shell line that runs `argv` as the app user; every argument is quoted (they come from the user's recipe). */
export function seedCommand(argv: readonly string[]): string {
  const django = [`${VENV}/bin/python`, '-m', 'django', ...argv].map(q).join(' ');
  return `set -a; . /etc/kiln/app.env; set +a; cd ${APP_ROOT} && PYTHONPATH=${APP_ROOT} runuser -u ${APP_USER} -- ${django}`;
}

/** Runs the seed; the result is a check, so a seed that fails fails the verdict with its own words. */
export async function runSeed(remote: Remote, argv: readonly string[] | null): Promise<CheckResult | null> {
  if (!argv?.length) return null;
  const r = await remote.exec(seedCommand(argv), { timeoutSec: SEED_TIMEOUT_SEC, asRoot: true });
  if (r.exitCode !== 0 || r.timedOut) return fail('app:seed', execError('app:seed', r).evidence);
  return pass('app:seed', `manage.py ${argv.join(' ')} ran`);
}

/**
 * Seeds a box that verify does not judge itself (the baseline of an A/B): it must answer the same requests as the
 * candidate, which verify seeds, or the comparison measures 404s. Returns why it failed, or null.
 */
export async function seedBaseline(host: HostDescription, bundle: ImageBundle | null): Promise<string | null> {
  const seed = bundle?.manifest.recipe.app.seed ?? null;
  if (!seed?.length) return null;
  const session = await SshSession.connect(host);
  try {
    const r = await runSeed(session, seed);
    return r && r.status !== 'pass' ? `baseline box ${host.address}: seed failed: ${r.evidence}` : null;
  } finally {
    session.close();
  }
}
