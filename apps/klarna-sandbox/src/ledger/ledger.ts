// The ledger (SIM-ONLY): every authorized payment transaction, queryable by reference and token,
// so tests can prove "charged exactly once per period", with what was captured at authorization. In memory; with a file configured it is
// also appended there as JSON lines (asynchronously, in order) and reloaded at start, so it
// survives restarts.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { AuthorizeScenario } from '../authorize/classify.js';

export interface LedgerEntry {
  payment_transaction_id: string;
  account_id: string;
  payment_transaction_reference: string;
  amount: number;
  currency: string;
  customer_token: string | null;
  idempotency_key: string | null;
  scenario: Exclude<AuthorizeScenario, 'tokenize'>;
  /** AUTHORIZED, or COMPLETED when captured at authorization (`capture: "NOW"`, §18.1). */
  state: LedgerTransactionState;
  /** Minor units captured so far: 0, or `amount` after a capture at authorization. */
  captured_amount: number;
  payment_capture_id: string | null;
  authorized_at: string;
}

export const LEDGER_TRANSACTION_STATES = ['AUTHORIZED', 'COMPLETED'] as const;
export type LedgerTransactionState = (typeof LEDGER_TRANSACTION_STATES)[number];

export interface LedgerQuery {
  reference?: string | undefined;
  customer_token?: string | undefined;
  account_id?: string | undefined;
}

const storedEntry = z.object({
  payment_transaction_id: z.string(),
  account_id: z.string(),
  payment_transaction_reference: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  customer_token: z.string().nullable(),
  idempotency_key: z.string().nullable(),
  scenario: z.enum(['tokenize_and_pay', 'cnp_charge', 'cp_charge', 'finalize']),
  // Lines written before captures existed have none of these three: they were AUTHORIZED, uncaptured.
  state: z.enum(LEDGER_TRANSACTION_STATES).default('AUTHORIZED'),
  captured_amount: z.number().int().min(0).default(0),
  payment_capture_id: z.string().nullable().default(null),
  authorized_at: z.string(),
});

export class Ledger {
  private entries: LedgerEntry[] = [];
  private stream: WriteStream | undefined;

  private constructor(
    private readonly file: string | undefined,
    private readonly log: FastifyBaseLogger | undefined,
  ) {}

  /** An in-memory ledger, or one backed by `file` (created if missing, reloaded if present). */
  static async open(opts: { file?: string | undefined; log?: FastifyBaseLogger } = {}): Promise<Ledger> {
    const ledger = new Ledger(opts.file, opts.log);
    if (opts.file !== undefined) {
      const endsMidLine = await ledger.load(opts.file);
      ledger.openStream();
      // A crash mid-write leaves a partial last line: start the next entry on a fresh line.
      if (endsMidLine) ledger.stream?.write('\n');
    }
    return ledger;
  }

  append(entry: LedgerEntry): void {
    this.entries.push(entry);
    // WriteStream keeps write order and never blocks the event loop.
    this.stream?.write(`${JSON.stringify(entry)}\n`);
  }

  query(q: LedgerQuery = {}): LedgerEntry[] {
    return this.entries.filter(
      (e) =>
        (q.reference === undefined || e.payment_transaction_reference === q.reference) &&
        (q.customer_token === undefined || e.customer_token === q.customer_token) &&
        (q.account_id === undefined || e.account_id === q.account_id),
    );
  }

  get size(): number {
    return this.entries.length;
  }

  /** Empties the ledger, and its file when there is one. */
  async clear(): Promise<void> {
    this.entries = [];
    if (this.file === undefined) return;
    await this.closeStream();
    await truncate(this.file, 0);
    this.openStream();
  }

  /** Flushes pending writes. */
  async close(): Promise<void> {
    await this.closeStream();
  }

  /** Returns whether the file ends without a newline. */
  private async load(file: string): Promise<boolean> {
    await mkdir(dirname(file), { recursive: true });
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    const lines = text.split('\n');
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      try {
        this.entries.push(storedEntry.parse(JSON.parse(line)));
      } catch {
        this.log?.warn({ file, line: index + 1 }, 'skipping an unreadable ledger line');
      }
    });
    return text.length > 0 && !text.endsWith('\n');
  }

  private openStream(): void {
    if (this.file === undefined) return;
    const stream = createWriteStream(this.file, { flags: 'a' });
    stream.on('error', (err) => this.log?.error({ err, file: this.file }, 'ledger file write failed'));
    this.stream = stream;
  }

  private closeStream(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (!stream) return Promise.resolve();
    return new Promise((resolve) => stream.end(() => resolve()));
  }
}
