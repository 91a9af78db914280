// Klarna-Idempotency-Key results (CONTRACT.md §3, adopted readings): scope (account, method, path,
// key) — the path holds the account; the first stored result replays for 24 h of sandbox time
// even if the body differs; a key whose first request still runs is "in flight".

export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

export interface StoredResult {
  status: number;
  body: string;
  contentType: string;
}

interface Completed extends StoredResult {
  kind: 'completed';
  bodyHash: string;
  storedAt: number;
}

/** The in-flight marker handed to the executing request; also its claim to store the result. */
export interface Ticket {
  kind: 'in_flight';
  scope: string;
  bodyHash: string;
}

export type Begin =
  | { kind: 'execute'; ticket: Ticket }
  | { kind: 'replay'; result: StoredResult; bodyDiffers: boolean }
  | { kind: 'in_flight' };

export class IdempotencyStore {
  // Insertion order is (roughly) storage order, so the oldest entries sit at the front.
  private readonly entries = new Map<string, Completed | Ticket>();

  constructor(private readonly opts: { now: () => number; maxKeys: number }) {}

  begin(scope: string, bodyHash: string): Begin {
    const now = this.opts.now();
    const existing = this.entries.get(scope);
    if (existing?.kind === 'in_flight') return { kind: 'in_flight' };
    if (existing && now - existing.storedAt < IDEMPOTENCY_TTL_MS) {
      const { status, body, contentType } = existing;
      return {
        kind: 'replay',
        result: { status, body, contentType },
        bodyDiffers: existing.bodyHash !== bodyHash,
      };
    }
    if (existing) this.entries.delete(scope);
    const ticket: Ticket = { kind: 'in_flight', scope, bodyHash };
    this.entries.set(scope, ticket);
    this.evict(now);
    return { kind: 'execute', ticket };
  }

  /** Stores the first result; ignored if the ticket was abandoned or the store was cleared meanwhile. */
  complete(ticket: Ticket, result: StoredResult): void {
    if (this.entries.get(ticket.scope) !== ticket) return;
    this.entries.delete(ticket.scope); // re-insert at the back: it is now the newest result
    this.entries.set(ticket.scope, {
      kind: 'completed',
      ...result,
      bodyHash: ticket.bodyHash,
      storedAt: this.opts.now(),
    });
  }

  /** Forget an execution that produced nothing storable (5xx, 429, timeout, dropped connection). */
  abandon(ticket: Ticket): void {
    if (this.entries.get(ticket.scope) === ticket) this.entries.delete(ticket.scope);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops expired results from the front, and the oldest results beyond maxKeys (a memory bound). */
  private evict(now: number): void {
    for (const [scope, entry] of this.entries) {
      if (entry.kind === 'in_flight') continue;
      const expired = now - entry.storedAt >= IDEMPOTENCY_TTL_MS;
      if (!expired && this.entries.size <= this.opts.maxKeys) break;
      this.entries.delete(scope);
    }
  }
}

/** Only 2xx and 4xx are stored (§3); 429 too is a "try again later", never a result. */
export function isStorable(status: number): boolean {
  return (status >= 200 && status < 300) || (status >= 400 && status < 500 && status !== 429);
}
