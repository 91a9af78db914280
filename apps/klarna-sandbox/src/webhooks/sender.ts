// Signs and POSTs one delivery attempt (CONTRACT.md §10.5, §10.6): HMAC-SHA256 over the exact
// bytes, the receiver's answer within the timeout, redirects counted as failures. Knows nothing
// about retries or faults; the dispatcher decides what to send and with which key.
import { signBody } from './signature.js';

export type PostResult = { statusCode: number; error: null } | { statusCode: null; error: string };

export interface SignedPost {
  url: string;
  body: Buffer;
  signingKeyId: string;
  /** The key the signature is made with (a wrong one under the bad-signature fault). */
  secret: string;
  timeoutMs: number;
}

export class WebhookSender {
  private readonly inFlight = new Set<AbortController>();
  private readonly aborted = new WeakSet<AbortController>();

  async post(input: SignedPost): Promise<PostResult> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    let timedOut = false;
    const timeout = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, input.timeoutMs);
    try {
      const res = await fetch(input.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Klarna-Signature': signBody(input.body, input.secret),
          'Klarna-Signing-Key-Id': input.signingKeyId,
          'User-Agent': 'klarna-sandbox-webhooks/1',
        },
        body: input.body,
        redirect: 'manual',
        signal: controller.signal,
      });
      // Drain so the keep-alive connection is reused; the answer's body means nothing to us.
      await res.arrayBuffer().catch(() => undefined);
      return { statusCode: res.status, error: null };
    } catch (err) {
      if (timedOut) return { statusCode: null, error: 'TIMEOUT' };
      if (this.aborted.has(controller)) return { statusCode: null, error: 'ABORTED' };
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      return { statusCode: null, error: `NETWORK_ERROR: ${cause}` };
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
  }

  /** Aborts every request in flight (reset, close). */
  abortAll(): void {
    for (const controller of this.inFlight) {
      this.aborted.add(controller);
      controller.abort();
    }
  }
}
