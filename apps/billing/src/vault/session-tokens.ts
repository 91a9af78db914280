// The network session token of a COMPLETED journey, kept (sealed, bound to the FINALIZE attempt)
// only until the finalize has been answered: Klarna honours it for 60 minutes.
import type { NetworkSessionTokenSecret } from '../secrets/secret.js';
import type { Sealed, Vault } from './vault.js';

export function sealSessionToken(vault: Vault, token: NetworkSessionTokenSecret, attemptId: string): Sealed {
  return vault.seal(token, { purpose: 'network-session-token', rowId: attemptId });
}

export function openSessionToken(vault: Vault, sealed: Sealed, attemptId: string): NetworkSessionTokenSecret {
  return vault.open('klarna-network-session-token', sealed, {
    purpose: 'network-session-token',
    rowId: attemptId,
  });
}
