// The ledger (SIM-ONLY): every authorized payment transaction, queryable by reference and token,
// so tests can prove "charged exactly once per period", with its captures, refunds and releases
// kept current by every operation. In memory; with a file configured it is also appended there as
// JSON lines (asynchronously, in order: authorizations, then operation lines folded into them)
// and reloaded at start, so it survives restarts.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { AuthorizeScenario } from '../authorize/classify.js';
import { TRANSACTION_STATES, type TransactionState } from '../transactions/model.js';
import type { CaptureView, RefundView } from '../transactions/views.js';
import { captureLine, foldOperation, operationLine, refundLine, type LedgerOperation } from './operations.js';

export interface LedgerEntry {
  payment_transaction_id: string;
  account_id: string;
  payment_transaction_reference: string;
  amount: number;
  currency: string;
  customer_token: string | null;
  idempotency_key: string | null;
  scenario: Exclude<AuthorizeScenario, 'tokenize'>;
  /** The transaction's current state (§18.6). */
  state: TransactionState;
  /** Minor units captured so far (NOW included). */
  captured_amount: number;
  refunded_amount: number;
  /** The remainder given up by a void or at the end of the grace period after expiry. */
  released_amount: number;
  /** The first capture's id (the NOW capture's), or null; see `captures` for all of them. */
  payment_capture_id: string | null;
  captures: CaptureView[];
  refunds: RefundView[];
  authorized_at: string;
}

export interface LedgerQuery {
  reference?: string | undefined;
  customer_token?: string | undefined;
  account_id?: string | undefined;
  payment_transaction_id?: string | undefined;
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
  // Lines written before captures existed lack these: they were AUTHORIZED, uncaptured.
  state: z.enum(TRANSACTION_STATES).default('AUTHORIZED'),
  captured_amount: z.number().int().min(0).default(0),
  refunded_amount: z.number().int().min(0).default(0),
  released_amount: z.number().int().min(0).default(0),
  payment_capture_id: z.string().nullable().default(null),
  captures: z.array(captureLine).optional(),
  refunds: z.array(refundLine).default([]),
  authorized_at: z.string(),
});

/** An authorization line; older lines name their NOW capture only by id and amount. */
function entryOf(line: z.output<typeof storedEntry>): LedgerEntry {
  const { captures, ...rest } = line;
  const legacyCapture: CaptureView[] =
    line.payment_capture_id === null
      ? []
      : [
          {
            payment_capture_id: line.payment_capture_id,
            payment_capture_reference: null,
            amount: line.captured_amount,
            refunded_amount: 0,
            captured_at: line.authorized_at,
          },
        ];
  return { ...rest, captures: captures ?? legacyCapture };
}

export class Ledger {
  private entries: LedgerEntry[] = [];
  private readonly byId = new Map<string, LedgerEntry>();
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
    this.byId.set(entry.payment_transaction_id, entry);
    // WriteStream keeps write order and never blocks the event loop.
    this.stream?.write(`${JSON.stringify(entry)}\n`);
  }

  /** Records a capture, refund or state change of a transaction appended before. */
  record(op: LedgerOperation): void {
    const entry = this.byId.get(op.payment_transaction_id);
    if (!entry) return; // cleared meanwhile: nothing to keep current
    foldOperation(entry, op);
    this.stream?.write(`${JSON.stringify(op)}\n`);
  }

  get(paymentTransactionId: string): LedgerEntry | undefined {
    return this.byId.get(paymentTransactionId);
  }

  query(q: LedgerQuery = {}): LedgerEntry[] {
    if (q.payment_transaction_id !== undefined) {
      const entry = this.byId.get(q.payment_transaction_id);
      return entry ? [entry].filter((e) => this.matches(e, q)) : [];
    }
    return this.entries.filter((e) => this.matches(e, q));
  }

  private matches(e: LedgerEntry, q: LedgerQuery): boolean {
    return (
      (q.reference === undefined || e.payment_transaction_reference === q.reference) &&
      (q.customer_token === undefined || e.customer_token === q.customer_token) &&
      (q.account_id === undefined || e.account_id === q.account_id)
    );
  }

  get size(): number {
    return this.entries.length;
  }

  /** Empties the ledger, and its file when there is one. */
  async clear(): Promise<void> {
    this.entries = [];
    this.byId.clear();
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
        this.loadLine(JSON.parse(line));
      } catch {
        this.log?.warn({ file, line: index + 1 }, 'skipping an unreadable ledger line');
      }
    });
    return text.length > 0 && !text.endsWith('\n');
  }

  private loadLine(value: unknown): void {
    if (typeof value === 'object' && value !== null && 'op' in value) {
      const op = operationLine.parse(value);
      const entry = this.byId.get(op.payment_transaction_id);
      if (entry) foldOperation(entry, op);
      else
        this.log?.warn(
          { paymentTransactionId: op.payment_transaction_id },
          'ledger operation without its authorization',
        );
      return;
    }
    const entry = entryOf(storedEntry.parse(value));
    this.entries.push(entry);
    this.byId.set(entry.payment_transaction_id, entry);
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
