// Keeps trying to register Rebill's webhook with Klarna until it succeeds: at start Klarna (or
// the sandbox) may not answer yet, and an unregistered webhook means no signup ever completes.
// Until then the role reports not ready.
import type { Logger } from 'pino';
import { ensureWebhookRegistration, type RegistrationDeps } from './registration.js';

const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

export interface RegistrationLoop {
  /** True once Rebill's webhook is registered. */
  registered(): boolean;
  /** Resolves when the first registration succeeded (or the loop was stopped). */
  readonly firstSuccess: Promise<void>;
  stop(): void;
}

export function keepWebhookRegistered(
  deps: RegistrationDeps & { readonly log: Logger; readonly onRegistered: () => Promise<void> },
  url: string,
): RegistrationLoop {
  let done = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveFirst: () => void = () => undefined;
  const firstSuccess = new Promise<void>((resolve) => (resolveFirst = resolve));

  const attempt = async (round: number): Promise<void> => {
    if (stopped) return;
    try {
      const result = await ensureWebhookRegistration(deps, url);
      if (result.kind === 'registered') {
        await deps.onRegistered();
        done = true;
        deps.log.info({ webhookId: result.webhookId, url }, 'webhook registered with Klarna');
        resolveFirst();
        return;
      }
      deps.log.warn(
        { step: result.step, outcome: result.outcome, round },
        'webhook registration failed; retrying',
      );
    } catch (error) {
      deps.log.warn({ err: error, round }, 'webhook registration failed; retrying');
    }
    if (stopped) return;
    const delay = RETRY_DELAYS_MS[round] ?? RETRY_DELAYS_MS.at(-1) ?? 30_000;
    timer = setTimeout(() => void attempt(round + 1), delay);
    timer.unref();
  };
  void attempt(0);

  return {
    registered: () => done,
    firstSuccess,
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      resolveFirst();
    },
  };
}
