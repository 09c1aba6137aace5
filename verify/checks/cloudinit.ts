/** cloud-init ran to the end on this boot, without errors (status and /run/cloud-init/result.json). */
import { type CheckResult, type Remote, DEFAULT_TIMEOUT_SEC, error, fail, pass } from './types.ts';

const SEP = '----kiln-result-json----';

export function judgeCloudInit(statusText: string, resultJson: string): CheckResult {
  const id = 'cloud-init';
  const status = /^status:[ \t]*(\S+(?:[ \t]\S+)?)[ \t]*$/m.exec(statusText)?.[1]?.trim() ?? '(unknown)';
  if (status !== 'done') return fail(id, `cloud-init status: ${status}`, { status, statusText: statusText.trim() });
  let parsed: { v1?: { errors?: unknown[]; recoverable_errors?: Record<string, unknown[]> } };
  try {
    parsed = JSON.parse(resultJson);
  } catch {
    return fail(id, 'status done but /run/cloud-init/result.json is missing or not JSON', { status });
  }
  const errors = parsed.v1?.errors;
  if (!Array.isArray(errors)) return fail(id, 'result.json has no v1.errors list', { status });
  const recoverable = Object.values(parsed.v1?.recoverable_errors ?? {}).flat();
  if (errors.length || recoverable.length) {
    return fail(
      id,
      `cloud-init finished with ${errors.length} errors, ${recoverable.length} recoverable: ${JSON.stringify([...errors, ...recoverable]).slice(0, 300)}`,
      { status, errors, recoverable },
    );
  }
  return pass(id, 'status: done, no errors in result.json', { status });
}

export async function checkCloudInit(remote: Remote): Promise<CheckResult> {
  const r = await remote.exec(`cloud-init status --long 2>&1; echo ${SEP}; cat /run/cloud-init/result.json 2>/dev/null`, {
    timeoutSec: DEFAULT_TIMEOUT_SEC,
  });
  if (r.timedOut || !r.stdout.includes(SEP))
    return error('cloud-init', `could not read cloud-init status: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  const [statusText, resultJson] = r.stdout.split(SEP);
  return judgeCloudInit(statusText, resultJson.trim());
}
