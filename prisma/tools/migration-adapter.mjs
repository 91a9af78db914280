// The pg driver adapter the Prisma 6.19 WebAssembly schema engine runs over, with the four
// defects of @prisma/adapter-pg 6.19.3 on this path fixed. Loaded only by the migration CLI's process.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PrismaPg } from 'prisma-migrate-adapter-pg';
import { pgConfigOf, schemaOf } from './database-url.mjs';

const CHAR_OID = 18;
const NAME_OID = 19;
const TEXT_OID = 25;

/**
 * The schema engine reads pg_catalog columns of type "char" and name, which adapter-pg cannot map
 * to a column type (prisma/orm#27403). Over the text protocol both arrive as plain strings, so
 * describing them as text is exact. Rewrites the row description before the query sees it.
 */
class CatalogTextClient extends pg.Client {
  constructor(config) {
    super(config);
    this.connection.prependListener('rowDescription', (message) => {
      for (const field of message.fields) {
        if (field.dataTypeID === CHAR_OID || field.dataTypeID === NAME_OID) field.dataTypeID = TEXT_OID;
      }
    });
  }
}

/**
 * adapter-pg's executeScript splits a migration on every ";" and runs the pieces one by one, so a
 * ";" inside a comment, a string or a dollar-quoted function body (plpgsql triggers) breaks the
 * migration. PostgreSQL parses a multi-statement script itself when it is sent as one simple query
 * (no parameters), and runs it atomically: that is what this sends instead.
 */
function runScriptsWhole(adapter) {
  const client = adapter.underlyingDriver();
  adapter.executeScript = async (script) => {
    try {
      await client.query(script);
    } catch (error) {
      adapter.onError(error);
    }
  };
  return adapter;
}

/**
 * adapter-pg's own shadow database handling drops the database while its pool still holds
 * connections ("being accessed by other users") and leaks it. Here the shadow pool is closed
 * first, then the database dropped, then the admin pool closed.
 */
class ShadowSafePrismaPg extends PrismaPg {
  async connect() {
    return runScriptsWhole(await super.connect());
  }

  async connectToShadowDb() {
    const admin = await this.connect();
    const database = `prisma_shadow_${randomUUID().replaceAll('-', '')}`;
    const drop = () => admin.executeScript(`DROP DATABASE IF EXISTS "${database}"`);
    let shadow;
    try {
      await admin.executeScript(`CREATE DATABASE "${database}"`);
      // Discrete fields (this.config) so `database` really selects the shadow database.
      shadow = runScriptsWhole(await new PrismaPg({ ...this.config, database }, this.options).connect());
      const schema = this.options?.schema;
      if (schema) await shadow.executeScript(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } catch (error) {
      await shadow?.dispose();
      await drop().catch(() => undefined);
      await admin.dispose();
      throw error;
    }
    const closeShadowPool = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      try {
        await closeShadowPool();
        await drop();
      } finally {
        await admin.dispose();
      }
    };
    return shadow;
  }
}

/** Adapter factory for the schema engine, connected to `databaseUrl` (honouring `?schema=`). */
export function createMigrationAdapterFactory(databaseUrl) {
  const schema = schemaOf(databaseUrl);
  // The CLI does not always dispose its adapter; without allowExitOnIdle the process would linger
  // until pg's 10 s idle timeout.
  const config = { ...pgConfigOf(databaseUrl), Client: CatalogTextClient, allowExitOnIdle: true };
  return new ShadowSafePrismaPg(config, schema ? { schema } : undefined);
}
