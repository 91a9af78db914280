// Per-attempt fault injection (SIM-ONLY): an attempt signed with a wrong key, or one never sent
// (counted as a SIMULATED_TIMEOUT and retried on schedule).
import { randomBytes } from 'node:crypto';
import type { WebhookFaults } from './faults.js';

export interface AttemptPlan {
  /** Sign with this; a random key when the bad-signature fault takes the attempt. */
  secret: string;
  signatureValid: boolean;
  /** Not sent at all (drop_first). */
  dropped: boolean;
}

export function planAttempt(faults: WebhookFaults, signingSecret: string): AttemptPlan {
  const badSignature = faults.takeBadSignature();
  return {
    secret: badSignature ? randomBytes(32).toString('base64url') : signingSecret,
    signatureValid: !badSignature,
    dropped: faults.takeDrop(),
  };
}
