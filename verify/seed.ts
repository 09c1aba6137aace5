/** The recipe's seed command, run once on a candidate box before load: `python -m django ARGS` as the app, with its env. */
import { APP_ROOT } from '../images/files/app.ts';
import { APP_USER, VENV } from '../images/files/provision.ts';
import { type CheckResult, execError, fail, pass, type Remote } from './checks/types.ts';
import { shellQuote as q } from './ssh.ts';

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
