// Server-level operations (create/drop databases) run from the maintenance database `postgres`.
import pg from 'pg';
import { databaseNameOf, pgConfigOf, schemaOf } from './database-url.mjs';

const DUPLICATE_DATABASE = '42P04';

/** Runs `work` with a client on the server's maintenance database. */
export async function withAdminClient(databaseUrl, work) {
  const client = new pg.Client(pgConfigOf(databaseUrl, { database: 'postgres', searchPath: false }));
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates the URL's database (and its `?schema=` schema) when missing. Returns true if it created the database. */
export async function ensureDatabase(databaseUrl) {
  const database = databaseNameOf(databaseUrl);
  const created = await withAdminClient(databaseUrl, async (admin) => {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount) return false;
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
      return true;
    } catch (error) {
      // Another process created it between our check and our CREATE: fine.
      if (error?.code === DUPLICATE_DATABASE) return false;
      throw error;
    }
  });
  const schema = schemaOf(databaseUrl);
  if (schema) {
    const client = new pg.Client(pgConfigOf(databaseUrl, { searchPath: false }));
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`);
    } finally {
      await client.end();
    }
  }
  return created;
}

/** Drops a database, ending sessions still connected to it. */
export async function dropDatabase(databaseUrl, database = databaseNameOf(databaseUrl)) {
  await withAdminClient(databaseUrl, (admin) =>
    admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`),
  );
}

/** Names of the server's databases matching a LIKE pattern. */
export async function listDatabases(databaseUrl, likePattern) {
  return withAdminClient(databaseUrl, async (admin) => {
    const { rows } = await admin.query(
      'SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname',
      [likePattern],
    );
    return rows.map((row) => row.datname);
  });
}
