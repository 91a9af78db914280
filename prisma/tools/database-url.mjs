// DATABASE_URL handling shared by the migration tool and the test harness.
import process from 'node:process';
import { URL } from 'node:url';
import { parseIntoClientConfig } from 'pg-connection-string';

export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/rebill';

/** DATABASE_URL from the environment, or the local development default. */
export function databaseUrlFromEnv(env = process.env) {
  return env.DATABASE_URL || DEFAULT_DATABASE_URL;
}

/** Name of the database a URL points at. */
export function databaseNameOf(databaseUrl) {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!name) throw new Error(`DATABASE_URL names no database: ${redactUrl(databaseUrl)}`);
  return name;
}

/** The Postgres schema named by `?schema=`, or undefined for the server default (public). */
export function schemaOf(databaseUrl) {
  const schema = new URL(databaseUrl).searchParams.get('schema');
  if (!schema) return undefined;
  // Only plain identifiers: the name goes into search_path and DDL unescaped by libpq.
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(schema)) {
    throw new Error(`DATABASE_URL ?schema= must be a plain identifier, got "${schema}"`);
  }
  return schema;
}

/** The same URL pointing at another database on the same server. */
export function withDatabase(databaseUrl, database) {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/**
 * Discrete pg connection fields for a URL, never a `connectionString`: pg lets a connection string
 * override `database`, which breaks anything that derives a pool for another database from it.
 * `?schema=` becomes the session search_path, which is what the schema engine's SQL relies on.
 */
export function pgConfigOf(databaseUrl, { database, searchPath = true } = {}) {
  const schema = schemaOf(databaseUrl);
  const url = new URL(databaseUrl);
  url.searchParams.delete('schema');
  const { connectionString: _ignored, ...config } = parseIntoClientConfig(url.toString());
  if (database !== undefined) config.database = database;
  if (schema && searchPath) {
    config.options = [config.options, `-c search_path=${schema}`].filter(Boolean).join(' ');
  }
  return config;
}

/** The URL without its password, for messages. */
export function redactUrl(databaseUrl) {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '<unparseable DATABASE_URL>';
  }
}
