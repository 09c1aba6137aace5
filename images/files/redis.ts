/** redis.conf: a bounded, non-persistent cache on loopback. */
import { renderTemplate } from '../../templates/engine.ts';
import type { FileSpec } from '../render-types.ts';

export const redisFiles: FileSpec[] = [
  {
    role: 'redis',
    service: 'redis',
    render: (ctx) => [{ path: '/etc/redis/redis.conf', mode: '0640', content: renderTemplate('redis/redis.conf.hbs', ctx) }],
  },
];
