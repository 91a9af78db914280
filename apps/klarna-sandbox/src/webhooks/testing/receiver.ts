// A real local webhook receiver for tests: records each POST's raw bytes and headers, answers
// with a scripted status (or never answers), and verifies signatures the way a partner would.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Envelope {
  metadata: {
    event_type: string;
    event_id: string;
    event_version: string;
    occurred_at: string;
    subject_account_id: string;
    recipient_account_id: string;
    product_instance_id: string;
    webhook_id: string;
    live: boolean;
  };
  payload: Record<string, unknown>;
}

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  envelope: Envelope;
}

/** What to answer the n-th (0-based) request with: a status, or 'hang' to never answer. */
export type Responder = (n: number, received: Received) => number | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  respondWith(responder: Responder): void;
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** HMAC-SHA256 over the raw bytes, lowercase hex, compared in constant time (CONTRACT.md §10.5). */
export function signatureValid(received: Received, secret: string): boolean {
  const given = received.headers['klarna-signature'];
  if (typeof given !== 'string' || !/^[0-9a-f]{64}$/.test(given)) return false;
  const expected = createHmac('sha256', secret).update(received.rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

export async function startReceiver(responder: Responder = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const waiters = new Set<() => void>();
  let respond = responder;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const entry: Received = {
        path: req.url ?? '/',
        headers: req.headers,
        rawBody,
        envelope: JSON.parse(rawBody.toString('utf8')) as Envelope,
      };
      const n = received.length;
      received.push(entry);
      for (const wake of waiters) wake();
      const answer = respond(n, entry);
      if (answer === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/klarna/webhooks`,
    received,
    respondWith(next) {
      respond = next;
    },
    waitFor(count, timeoutMs = 5_000) {
      if (received.length >= count) return Promise.resolve(received.slice(0, count));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver got ${received.length} of ${count} webhooks within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = (): void => {
          if (received.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(received.slice(0, count));
        };
        waiters.add(check);
      });
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
