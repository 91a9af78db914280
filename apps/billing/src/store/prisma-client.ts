// The only place that constructs Prisma. Queries run over node-postgres through @prisma/adapter-pg;
// no Prisma engine binary is involved.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

export interface PrismaClientConfig {
  /**
   * postgresql:// URL; an optional `?schema=name` selects the Postgres schema (default public), and
   * `?pgbouncer=true` turns prepared statements off (PgBouncer in transaction mode cannot keep them).
   */
  databaseUrl: string;
}

/** A Prisma client for `databaseUrl`. Connects lazily on the first query. */
export function createPrismaClient({ databaseUrl }: PrismaClientConfig): PrismaClient {
  const { connectionString, schema, preparedStatements } = splitSchema(databaseUrl);
  const statementNameGenerator = preparedStatements ? preparedStatementNames() : undefined;
  const options = {
    ...(schema === undefined ? {} : { schema }),
    ...(statementNameGenerator === undefined ? {} : { statementNameGenerator }),
  };
  // `schema` qualifies Prisma's generated queries; search_path makes raw SQL agree with them.
  const pool =
    schema === undefined ? { connectionString } : { connectionString, options: `-c search_path=${schema}` };
  return new PrismaClient({ adapter: new PrismaPg(pool, options) });
}

/** Closes the client's connection pool. */
export async function disconnect(prisma: PrismaClient): Promise<void> {
  await prisma.$disconnect();
}

/** More distinct statements than this are sent unnamed (parsed and planned at every run). */
const MAX_PREPARED_STATEMENTS = 1_000;
const TRANSACTION_CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET|START)\b/i;

/**
 * Names for prepared statements, one per distinct SQL text: each pooled connection then parses
 * (and, once PostgreSQL settles on a generic plan, plans) a statement once instead of at every run,
 * which on the hot paths costs PostgreSQL more than executing it.
 */
export function preparedStatementNames(limit = MAX_PREPARED_STATEMENTS): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  return ({ sql }) => {
    const known = names.get(sql);
    if (known !== undefined) return known;
    // '' is node-postgres's unnamed statement.
    if (names.size >= limit || TRANSACTION_CONTROL.test(sql)) return '';
    const name = `rebill_${names.size + 1}`;
    names.set(sql, name);
    return name;
  };
}

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * `?schema=` and `?pgbouncer=` are Prisma's parameters, not libpq's: the adapter takes them as
 * options instead. Also used for plain `pg` connections (the clock's LISTEN connection) so they
 * agree with Prisma.
 */
export function splitSchema(databaseUrl: string): {
  connectionString: string;
  schema: string | undefined;
  preparedStatements: boolean;
} {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error('databaseUrl is not a valid URL (expected postgresql://user@host:port/database)');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new Error(`databaseUrl must use postgresql://, got ${url.protocol}//`);
  }
  const schema = url.searchParams.get('schema') || undefined;
  if (schema !== undefined && !PLAIN_IDENTIFIER.test(schema)) {
    throw new Error(`databaseUrl ?schema= must be a plain identifier, got "${schema}"`);
  }
  const preparedStatements = url.searchParams.get('pgbouncer') !== 'true';
  url.searchParams.delete('schema');
  url.searchParams.delete('pgbouncer');
  return { connectionString: url.toString(), schema, preparedStatements };
}
