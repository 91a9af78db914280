// A transaction on a plain `pg` connection in pipeline mode, for the renewal hot path: Prisma's
// interactive transaction costs a round trip per statement (BEGIN included) and, on these
// machines, more worker CPU in its query engine than the statements themselves. Here BEGIN goes
// out with the first statements, statements sent together share one socket write, and each SQL
// text is a named prepared statement per connection. The semantics are those of inTransaction:
// one READ COMMITTED transaction, committed when `fn` resolves, rolled back when it throws.
//
// One per process (its composition root makes it, beside the Prisma client, and closes it): the
// pool connects on first use. A Prisma transaction also is a RawTx, so the same store functions
// run in either.
import type { Writable } from 'node:stream';
import pg from 'pg';
import { Prisma } from './generated/prisma/client.js';
import { preparedStatementNames, splitSchema } from './prisma-client.js';
import type { RawTx } from './raw-tx.js';

/** Runs a function in one READ COMMITTED transaction on the pipelined pool. */
export interface PipelinedTransactions {
  run<T>(fn: (tx: RawTx) => Promise<T>): Promise<T>;
  /** Ends the pool's connections. */
  close(): Promise<void>;
}

/** A pipelined pool on `databaseUrl`, with the same schema and prepared-statement setting as Prisma's. */
export function createPipelinedTransactions(opts: {
  readonly databaseUrl: string;
  /** The pool's size (node-postgres's default: 10). */
  readonly maxConnections?: number;
  /** An idle connection PostgreSQL cut (a restart): the pool drops it; this hears of it. */
  readonly onIdleError?: (error: Error) => void;
}): PipelinedTransactions {
  const { databaseUrl } = opts;
  const { connectionString, schema, preparedStatements } = splitSchema(databaseUrl);
  const statementName = preparedStatements ? preparedStatementNames() : () => '';
  // `pipeline` is node-postgres's (8.23); its types do not list it yet.
  const pool = new pg.Pool({
    connectionString,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    pipeline: true,
    ...(opts.maxConnections === undefined ? {} : { max: opts.maxConnections }),
  } as pg.PoolConfig);
  // Without a listener, an idle connection's error would end the process.
  pool.on('error', (error) => opts.onIdleError?.(error));
  return {
    run: (fn) => runOn(pool, statementName, fn),
    close: () => pool.end(),
  };
}

async function runOn<T>(
  pool: pg.Pool,
  statementName: (query: { sql: string }) => string,
  fn: (tx: RawTx) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no pool listener: a connection PostgreSQL cuts between two statements
  // (a restart) would emit an unhandled 'error' and end the process. Heard here, it only fails
  // the transaction (its next statement rejects) and the connection is destroyed on release.
  let lost: Error | undefined;
  const onError = (error: Error): void => {
    lost = error;
  };
  client.on('error', onError);
  const release = (error?: Error): void => {
    client.removeListener('error', onError);
    client.release(error ?? lost);
  };
  const tx = new PipelinedTx(client, statementName);
  let result: T;
  try {
    result = await fn(tx);
  } catch (error) {
    await tx.rollback().then(
      () => release(),
      (rollbackError: unknown) => release(rollbackError as Error),
    );
    throw error;
  }
  try {
    await tx.commit();
  } catch (error) {
    release(error as Error);
    throw error;
  }
  release();
  return result;
}

class PipelinedTx implements RawTx {
  private begun = false;
  /** Committed with its last statement ($queryRawThenCommit): nothing more may be sent. */
  private ended = false;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly statementName: (query: { sql: string }) => string,
  ) {}

  async $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T> {
    const [result] = await this.send([sqlOf(query, values)]);
    return result?.rows as T;
  }

  async $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<number> {
    const [result] = await this.send([sqlOf(query, values)]);
    return result?.rowCount ?? 0;
  }

  readonly $pipeline = async (queries: readonly Prisma.Sql[]): Promise<unknown[][]> =>
    (await this.send(queries)).map((result) => result.rows as unknown[]);

  readonly $queryRawThenCommit = async (query: Prisma.Sql): Promise<unknown[]> => {
    const [result, commit] = await this.send([query], true);
    // A statement that failed rejected above; COMMIT answering ROLLBACK would mean an earlier one did.
    if (commit?.command !== 'COMMIT') throw new Error(`COMMIT answered ${String(commit?.command)}`);
    return result?.rows as unknown[];
  };

  async commit(): Promise<void> {
    if (this.begun && !this.ended) await this.client.query('COMMIT');
  }

  async rollback(): Promise<void> {
    if (this.begun && !this.ended) await this.client.query('ROLLBACK');
  }

  /** One socket write: BEGIN (first time), the statements and maybe COMMIT; their results in order. */
  private async send(queries: readonly Prisma.Sql[], commit = false): Promise<pg.QueryResult[]> {
    if (this.ended) throw new Error('the transaction was committed with its last statement');
    // node-postgres writes each query in one corked write; corked here too, the batch is one write.
    const { stream } = (this.client as pg.PoolClient & { connection: { stream: Writable } }).connection;
    const sent: Promise<pg.QueryResult>[] = [];
    stream.cork();
    try {
      if (!this.begun) {
        this.begun = true;
        sent.push(this.client.query('BEGIN'));
      }
      for (const query of queries) {
        const name = this.statementName({ sql: query.text });
        sent.push(
          this.client.query({ ...(name === '' ? {} : { name }), text: query.text, values: query.values }),
        );
      }
      if (commit) {
        this.ended = true;
        sent.push(this.client.query('COMMIT'));
      }
    } finally {
      stream.uncork();
    }
    const results = await Promise.all(sent);
    return results.slice(results.length - queries.length - (commit ? 1 : 0));
  }
}

function sqlOf(query: TemplateStringsArray | Prisma.Sql, values: unknown[]): Prisma.Sql {
  return query instanceof Prisma.Sql ? query : Prisma.sql(query, ...(values as Prisma.Sql[]));
}
