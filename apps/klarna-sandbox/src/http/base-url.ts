// The URL a client on this machine reaches a listening server at: a wildcard bind (0.0.0.0, ::)
// is shown as 127.0.0.1, an IPv6 host in brackets.
import type { AddressInfo } from 'node:net';

export function baseUrlOf(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

export function listeningBaseUrl(address: AddressInfo | string | null): string | undefined {
  return address !== null && typeof address === 'object'
    ? baseUrlOf(address.address, address.port)
    : undefined;
}
