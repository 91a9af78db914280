// `rebill klarna ...`: Rebill's webhook registration and its signing keys at Klarna.
//   register-webhook                     register the webhook and a signing key (idempotent)
//   rotate-signing-key                   a new key for the webhook; the old one stays accepted
//   retire-signing-key <signing key id>  stop accepting an old key; deleted at Klarna if unused
// Each prints its result as JSON. Exit codes: 0 done, 1 refused or Klarna failed (stderr says
// why and what to do), 2 bad usage.
import type { RegistrationDeps } from '../webhooks/registration.js';
import { ensureWebhookRegistration } from '../webhooks/registration.js';
import { retireSigningKey, rotateSigningKey } from '../webhooks/signing-key-rotation.js';

export const KLARNA_USAGE = `Usage: rebill klarna <command>

  register-webhook                     register Rebill's webhook and a signing key with Klarna (idempotent)
  rotate-signing-key                   create a new signing key and move the webhook to it; the old key
                                       stays accepted for deliveries Klarna signed with it before
  retire-signing-key <signing key id>  stop accepting an old key (refused while the webhook uses it);
                                       deleted at Klarna unless another webhook there still uses it
`;

export type KlarnaCommand =
  | { readonly kind: 'register-webhook' }
  | { readonly kind: 'rotate-signing-key' }
  | { readonly kind: 'retire-signing-key'; readonly signingKeyId: string };

export function parseKlarnaArgs(
  argv: readonly string[],
): KlarnaCommand | { kind: 'usage_error'; message: string } {
  const [command = '', ...rest] = argv;
  switch (command) {
    case 'register-webhook':
    case 'rotate-signing-key':
      if (rest.length > 0) return { kind: 'usage_error', message: `${command} takes no arguments` };
      return { kind: command };
    case 'retire-signing-key': {
      const [signingKeyId, ...extra] = rest;
      if (signingKeyId === undefined || extra.length > 0 || !/^\S{1,200}$/.test(signingKeyId)) {
        return {
          kind: 'usage_error',
          message:
            'retire-signing-key takes one Klarna signing key id (krn:partner:global:notification:signing-key:…)',
        };
      }
      return { kind: 'retire-signing-key', signingKeyId };
    }
    default:
      return { kind: 'usage_error', message: `unknown command "${command}"` };
  }
}

export interface KlarnaCommandIo {
  readonly stdout: (text: string) => unknown;
  readonly stderr: (text: string) => unknown;
}

/** Runs a parsed command for Rebill's webhook at `url`; returns the exit code. */
export async function runKlarnaWebhookCommand(
  command: KlarnaCommand,
  deps: RegistrationDeps,
  url: string,
  io: KlarnaCommandIo,
): Promise<number> {
  const print = (value: object) => io.stdout(`${JSON.stringify({ url, ...value })}\n`);
  const complain = (text: string) => io.stderr(`rebill klarna ${command.kind}: ${text}\n`);
  switch (command.kind) {
    case 'register-webhook': {
      const result = await ensureWebhookRegistration(deps, url);
      print(result);
      if (result.kind === 'registered') return 0;
      complain(`Klarna failed at "${result.step}" (${result.outcome}); run it again`);
      return 1;
    }
    case 'rotate-signing-key': {
      const result = await rotateSigningKey(deps, url);
      print(result);
      if (result.kind === 'rotated') return 0;
      complain(
        `Klarna failed at "${result.step}" (${result.outcome}); \`rebill klarna register-webhook\` ` +
          'puts the webhook back with the newest key',
      );
      return 1;
    }
    case 'retire-signing-key': {
      const result = await retireSigningKey(deps, url, command.signingKeyId);
      print(result);
      switch (result.kind) {
        case 'retired':
          return 0;
        case 'not_found':
          complain(`Rebill holds no signing key "${result.signingKeyId}"`);
          return 1;
        case 'in_use':
          complain(`Rebill's webhook ${result.webhookId} still signs with it: run rotate-signing-key first`);
          return 1;
        case 'failed':
          complain(`Klarna failed at "${result.step}" (${result.outcome}); run it again`);
          return 1;
      }
    }
  }
}
