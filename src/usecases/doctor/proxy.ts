import type { Env } from '../../env.js';
import { type Check, check } from './check.js';

/** The proxy variables every request to Podio follows, shown without the password a proxy URL may carry. */
export function checkProxy(env: Env): Check {
  const proxies = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']
    .map((name) => [name, env[name] ?? env[name.toLowerCase()]] as const)
    .filter(([, value]) => value)
    .map(([name, value]) => `${name}=${String(value).replace(/\/\/[^@/]*@/, '//…@')}`);
  return check('proxy', 'info', proxies.length ? `Proxy: ${proxies.join(' ')}` : 'No proxy variables set');
}
