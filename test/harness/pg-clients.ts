// Plain `pg` clients for the harness and for tests that check a database without any app code:
// one on a given database, one on the server's maintenance database `postgres` for server-level
// statements (CREATE DATABASE ... TEMPLATE, ALTER DATABASE) that cannot run inside the database
// they change. Both are closed when `work` settles.
import pg from 'pg';
import { pgConfigOf } from '../../prisma/tools/database-url.mjs';

/** Runs `work` with a client on the URL's database (`?schema=` becomes the search_path). */
export async function withDatabaseClient<T>(
  databaseUrl: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  return withClient(pgConfigOf(databaseUrl), work);
}

/** Runs `work` with a client on the maintenance database of the URL's server. */
export async function withMaintenanceClient<T>(
  databaseUrl: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  return withClient(pgConfigOf(databaseUrl, { database: 'postgres', searchPath: false }), work);
}

async function withClient<T>(config: pg.ClientConfig, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
