// Which receiver URLs a webhook may point at. Klarna requires HTTPS on port 443 or 8443
// (CONTRACT.md §10.1). SIM-ONLY relaxation: receivers on loopback, on a single-label host name
// (a docker-compose service such as `http://webhooks:3000`) or on a private IPv4 address may use
// plain http and any port, since local test receivers cannot hold a public certificate.
import { isIP } from 'node:net';

const ALLOWED_HTTPS_PORTS = new Set(['', '443', '8443']);

export function isLocalReceiverHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1') return true;
  if (isIP(host) === 4) {
    const [a = 0, b = 0] = host.split('.').map(Number);
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  return isIP(host) === 0 && !host.includes('.');
}

/** Why `raw` cannot be a webhook URL, or undefined when it can. */
export function webhookUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https';
  if (url.username || url.password) return 'must not contain credentials';
  if (isLocalReceiverHost(url.hostname)) return undefined;
  if (url.protocol !== 'https:') return 'must use https (plain http is accepted only for local receivers)';
  if (!ALLOWED_HTTPS_PORTS.has(url.port)) return 'must use port 443 or 8443';
  return undefined;
}
