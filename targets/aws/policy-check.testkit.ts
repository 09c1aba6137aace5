/** Test helper: which recorded calls an IAM policy document would not allow (actions, and names for resource-scoped statements). */
import type { Call } from './recorded-actions.testkit.ts';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

/** The ARNs a call acts on, from the names in its parameters (only the kinds kiln's policy scopes by name). */
export function resourcesOf(call: Call, at: { account: string; region: string }): string[] {
  const [service] = call.action.split(':');
  const p = call.params;
  const out: string[] = [];
  if (service === 'iam') {
    if (p.RoleName) out.push(`arn:aws:iam::${at.account}:role/${p.RoleName}`);
    if (p.InstanceProfileName) out.push(`arn:aws:iam::${at.account}:instance-profile/${p.InstanceProfileName}`);
  }
  if (service === 'ec2' && p.KeyName) out.push(`arn:aws:ec2:${at.region}:${at.account}:key-pair/${p.KeyName}`);
  if (service === 'ssm' && p.Name) out.push(`arn:aws:ssm:${at.region}:${at.account}:parameter/${p.Name.replace(/^\//, '')}`);
  return out;
}

/** IAM's glob (`*`, `?`) with the policy's placeholders filled in. */
function matches(pattern: string, arn: string, vars: Record<string, string>): boolean {
  const filled = pattern.replace(/\$\{(\w+)\}/g, (_, k) => vars[k] ?? `\${${k}}`);
  const re = new RegExp(
    `^${filled
      .split(/([*?])/)
      .map((part) => (part === '*' ? '.*' : part === '?' ? '.' : part.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
      .join('')}$`,
  );
  return re.test(arn);
}

// AWS (STS GetCallerIdentity): "No permissions are required to perform this operation"; a policy cannot deny it.
const NEEDS_NO_PERMISSION = new Set(['sts:GetCallerIdentity']);

/** One line per distinct problem: an action no statement lists, or a name no resource-scoped statement covers. Conditions are not evaluated. */
export function policyGaps(policy: { Statement: Statement[] }, calls: Call[], at: { account: string; region: string }): string[] {
  const vars = { KILN_ACCOUNT: at.account, KILN_REGION: at.region };
  const gaps = new Set<string>();
  for (const call of calls) {
    if (NEEDS_NO_PERMISSION.has(call.action)) continue;
    const allowing = policy.Statement.filter((s) => s.Effect === 'Allow' && [s.Action].flat().includes(call.action));
    if (!allowing.length) {
      gaps.add(`${call.action}: no statement allows it`);
      continue;
    }
    const patterns = allowing.flatMap((s) => [s.Resource].flat());
    if (patterns.includes('*')) continue;
    const arns = resourcesOf(call, at);
    if (!arns.length) {
      gaps.add(`${call.action}: allowed only on ${patterns.join(', ')}, and the request names no resource to check`);
      continue;
    }
    for (const arn of arns)
      if (!patterns.some((p) => matches(p, arn, vars))) gaps.add(`${call.action}: ${arn} is outside ${patterns.join(', ')}`);
  }
  return [...gaps].sort();
}
