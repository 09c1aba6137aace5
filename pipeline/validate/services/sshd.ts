/** sshd -T with the rendered drop-in in effect: the effective values must be the hardened ones. */
import { SSHD_DROPIN, SSHD_EXPECT } from '../../../images/files/sshd.ts';
import { inSandbox } from '../sandbox.ts';
import type { Validator } from '../types.ts';
import { finding, mismatches, requirePath, rootfsOf } from './common.ts';

export const sshdValidator: Validator = {
  name: 'sshd -T',
  roles: ['sshd'],
  needs: ['/usr/sbin/sshd', 'unshare'],
  versioned: { program: 'OpenSSH', argv: () => ['/usr/sbin/sshd', '-V'], image: (d) => d.versions.openssh },
  run: async (ctx) => {
    const missing = requirePath(ctx, 'sshd -T', SSHD_DROPIN);
    if (missing) return [missing];
    const r = await inSandbox({ rootfs: rootfsOf(ctx), dirs: [['/run/sshd', 'root']], script: '/usr/sbin/sshd -T' });
    if (r.exitCode !== 0) return [finding('sshd -T', SSHD_DROPIN, false, r.output)];
    const actual = new Map(
      r.output
        .split('\n')
        .map((l) => l.split(' '))
        .map(([k, ...v]) => [k!, v.join(' ')] as [string, string]),
    );
    const bad = mismatches(SSHD_EXPECT, actual);
    return [
      finding(
        'sshd -T',
        SSHD_DROPIN,
        bad.length === 0,
        bad.length
          ? `${bad.join('\n')}\n(another drop-in read earlier may win: sshd keeps the first value)`
          : Object.keys(SSHD_EXPECT)
              .map((k) => `${k} ${actual.get(k)}`)
              .join('\n'),
      ),
    ];
  },
};
