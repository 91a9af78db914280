// The partner account of /v2/accounts/{partner_account_id}/… routes: one API key serves many
// merchant accounts; a Klarna-Partner-Account header naming another account is refused (§2.1).
import type { FastifyRequest } from 'fastify';
import { SandboxHttpError } from '../contracts.js';
import { PARTNER_ACCOUNT_PATTERN } from '../ids.js';
import { INVALID_PARAMETERS } from './error-format.js';
import { readHeader } from './headers.js';

export function partnerAccountOf(
  request: FastifyRequest<{ Params: { partner_account_id: string } }>,
): string {
  const accountId = request.params.partner_account_id;
  if (!PARTNER_ACCOUNT_PATTERN.test(accountId)) {
    throw new SandboxHttpError(400, 'VALIDATION_ERROR', INVALID_PARAMETERS, [
      {
        parameter: 'partner_account_id',
        reason: 'must be a partner account KRN (krn:partner:global:account:test:…)',
      },
    ]);
  }
  const actingAs = readHeader(request.headers, 'klarna-partner-account');
  if (actingAs !== undefined && actingAs !== accountId) {
    throw new SandboxHttpError(
      403,
      'FORBIDDEN',
      'Klarna-Partner-Account does not match the account in the path',
    );
  }
  return accountId;
}
