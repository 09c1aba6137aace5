/** /etc/sysctl.d: the kernel settings tuning chose (the *_nofile limits go to the units, not here). */
import { renderTemplate } from '../../templates/engine.ts';
import type { FileSpec, RenderContext } from '../render-types.ts';

/** Tuned kernel key -> sysctl name (typed data: the validator checks each exists under /proc/sys). */
export const SYSCTLS: Record<string, string> = {
  vm_overcommit_memory: 'vm.overcommit_memory',
  vm_swappiness: 'vm.swappiness',
  vm_min_free_kbytes: 'vm.min_free_kbytes',
  net_core_somaxconn: 'net.core.somaxconn',
  net_ipv4_tcp_max_syn_backlog: 'net.ipv4.tcp_max_syn_backlog',
  net_ipv4_ip_local_port_range: 'net.ipv4.ip_local_port_range',
  net_ipv4_tcp_tw_reuse: 'net.ipv4.tcp_tw_reuse',
};

export const SYSCTL_PATH = '/etc/sysctl.d/60-kiln.conf';

export const sysctlParams = (ctx: RenderContext) =>
  Object.entries(SYSCTLS).map(([k, key]) => ({ key, value: ctx.s.kernel[k], reason: ctx.r[`kernel.${k}`] }));

export const sysctlFiles: FileSpec[] = [
  {
    role: 'sysctl',
    render: (ctx) => [
      { path: SYSCTL_PATH, mode: '0644', content: renderTemplate('sysctl/60-kiln.conf.hbs', { ...ctx, params: sysctlParams(ctx) }) },
    ],
  },
];
