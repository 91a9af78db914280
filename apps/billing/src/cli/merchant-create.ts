// `rebill merchant create --name <n> --klarna-account <krn> [--time-zone <IANA>]`: creates a
// merchant with its first API key and prints both as JSON (the key is shown this once). Exit
// codes: 0 created, 1 refused (the Klarna account already has a merchant), 2 bad usage.
import { parseArgs } from 'node:util';
import { generateApiKey } from '../auth/api-key-token.js';
import type { Clock } from '../domain/clock.js';
import { isValidTimeZone } from '../domain/index.js';
import { systemActor } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { createMerchant } from '../store/merchants.js';
import { invoicePrefixBase, pickInvoicePrefix } from './invoice-prefix.js';

export interface MerchantCreateDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export const MERCHANT_CREATE_USAGE = `Usage: rebill merchant create --name <name> --klarna-account <krn> [--time-zone <IANA zone>]

  --name            the merchant's name (1 to 200 characters)
  --klarna-account  the Klarna partner account KRN, krn:partner:global:account:(test|live):<id>
  --time-zone       IANA time zone for new subscriptions and reports (default UTC)

Prints the merchant and its first API key as JSON. The key is shown only this once.
`;

const KLARNA_ACCOUNT = /^krn:partner:global:account:(test|live):[A-Za-z0-9]+$/;

type Parsed =
  | { kind: 'ok'; name: string; klarnaAccount: string; timeZone: string }
  | { kind: 'help' }
  | { kind: 'usage_error'; message: string };

export function parseMerchantCreateArgs(argv: readonly string[]): Parsed {
  let values: { name?: string; 'klarna-account'?: string; 'time-zone'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        name: { type: 'string' },
        'klarna-account': { type: 'string' },
        'time-zone': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { kind: 'usage_error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help === true) return { kind: 'help' };
  const name = values.name?.trim();
  const klarnaAccount = values['klarna-account'];
  const timeZone = values['time-zone'] ?? 'UTC';
  if (name === undefined || name === '') return { kind: 'usage_error', message: '--name is required' };
  if (name.length > 200 || /\p{Cc}/u.test(name)) {
    return { kind: 'usage_error', message: '--name must be 1 to 200 characters without control characters' };
  }
  if (klarnaAccount === undefined) return { kind: 'usage_error', message: '--klarna-account is required' };
  if (!KLARNA_ACCOUNT.test(klarnaAccount)) {
    return {
      kind: 'usage_error',
      message: `--klarna-account "${klarnaAccount}" is not a Klarna partner account KRN (krn:partner:global:account:test:<id>)`,
    };
  }
  if (!isValidTimeZone(timeZone)) {
    return {
      kind: 'usage_error',
      message: `--time-zone "${timeZone}" is not an IANA time zone (e.g. Europe/Stockholm)`,
    };
  }
  return { kind: 'ok', name, klarnaAccount, timeZone };
}

export async function runMerchantCreate(argv: readonly string[], deps: MerchantCreateDeps): Promise<number> {
  const parsed = parseMerchantCreateArgs(argv);
  if (parsed.kind === 'help') {
    deps.stdout.write(MERCHANT_CREATE_USAGE);
    return 0;
  }
  if (parsed.kind === 'usage_error') {
    deps.stderr.write(`rebill merchant create: ${parsed.message}\n\n${MERCHANT_CREATE_USAGE}`);
    return 2;
  }
  const key = generateApiKey();
  const base = invoicePrefixBase(parsed.name);
  const at = deps.clock.now();
  const result = await createMerchant(deps.db, {
    name: parsed.name,
    timeZone: parsed.timeZone,
    klarnaPartnerAccountId: parsed.klarnaAccount,
    invoicePrefixBase: base,
    pickInvoicePrefix: (taken) => pickInvoicePrefix(base, taken),
    firstKey: { name: 'first key', prefix: key.prefix, secretHash: key.secretHash },
    actor: systemActor('cli'),
    at,
  });
  if (result.kind === 'duplicate_klarna_account') {
    deps.stderr.write(
      `rebill merchant create: the Klarna account ${parsed.klarnaAccount} already belongs to a merchant; nothing was created\n`,
    );
    return 1;
  }
  const { merchant, apiKey } = result;
  const output = {
    merchant_id: merchant.id,
    name: merchant.name,
    time_zone: merchant.timeZone,
    klarna_account: merchant.klarnaPartnerAccountId,
    invoice_prefix: merchant.invoicePrefix,
    created_at: merchant.createdAt.toISOString(),
    api_key_id: apiKey.id,
    api_key: key.token,
  };
  deps.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  return 0;
}
