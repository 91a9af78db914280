// The only place that constructs Prisma. Queries run over node-postgres through @prisma/adapter-pg;
// no Prisma engine binary is involved.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

export interface PrismaClientConfig {
  /** postgresql:// URL; an optional `?schema=name` selects the Postgres schema (default public). */
  databaseUrl: string;
}

/** A Prisma client for `databaseUrl`. Connects lazily on the first query. */
export function createPrismaClient({ databaseUrl }: PrismaClientConfig): PrismaClient {
  const { connectionString, schema } = splitSchema(databaseUrl);
  if (schema === undefined) return new PrismaClient({ adapter: new PrismaPg({ connectionString }) });
  // `schema` qualifies Prisma's generated queries; search_path makes raw SQL agree with them.
  const adapter = new PrismaPg({ connectionString, options: `-c search_path=${schema}` }, { schema });
  return new PrismaClient({ adapter });
}

/** Closes the client's connection pool. */
export async function disconnect(prisma: PrismaClient): Promise<void> {
  await prisma.$disconnect();
}

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * `?schema=` is Prisma's parameter, not libpq's: the adapter takes it as an option instead. Also
 * used for plain `pg` connections (the clock's LISTEN connection) so they agree with Prisma.
 */
export function splitSchema(databaseUrl: string): { connectionString: string; schema: string | undefined } {
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
  url.searchParams.delete('schema');
  return { connectionString: url.toString(), schema };
}
