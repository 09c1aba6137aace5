/** sshd drop-in: keys only, no root, no X11, dead sessions dropped. */
import { renderTemplate } from '../../templates/engine.ts';
import type { FileSpec } from '../render-types.ts';

export const SSHD_DROPIN = '/etc/ssh/sshd_config.d/60-kiln.conf';
/** What `sshd -T` must report with the drop-in in effect (lower-case, as sshd prints it). */
export const SSHD_EXPECT: Record<string, string> = {
  passwordauthentication: 'no',
  kbdinteractiveauthentication: 'no',
  permitrootlogin: 'no',
  x11forwarding: 'no',
  maxauthtries: '3',
  clientaliveinterval: '60',
  clientalivecountmax: '3',
};

export const sshdFiles: FileSpec[] = [
  {
    role: 'sshd',
    render: (ctx) => [
      {
        path: SSHD_DROPIN,
        mode: '0644',
        content: renderTemplate('sshd/60-kiln.conf.hbs', {
          ...ctx,
          aliveSec: SSHD_EXPECT.clientaliveinterval,
          aliveCount: SSHD_EXPECT.clientalivecountmax,
        }),
      },
    ],
  },
];
