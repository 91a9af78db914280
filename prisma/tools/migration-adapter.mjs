// The pg driver adapter the Prisma 6.19 WebAssembly schema engine runs over, with the defects of
// @prisma/adapter-pg 6.19.3 on this path fixed. Loaded only by the migration CLI's process.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PrismaPg } from 'prisma-migrate-adapter-pg';
import { pgConfigOf, schemaOf } from './database-url.mjs';

const CHAR_OID = 18;
const NAME_OID = 19;
const TEXT_OID = 25;
/** `ColumnTypeEnum.Character` of @prisma/driver-adapter-utils 6.19.3, the version adapter-pg 6.19.3 uses. */
const CHARACTER_COLUMN_TYPE = 6;
/** Marks a row-description field that arrived as `"char"` and is passed to adapter-pg as text. */
const CATALOG_CHAR = Symbol('pg "char" column');

/**
 * The schema engine reads pg_catalog columns of type "char" and name, which adapter-pg cannot map
 * to a column type (prisma/orm#27403). Over the text protocol both arrive as plain strings, so they
 * are described to adapter-pg as text. `name` is text for the engine too. A `"char"` column is not:
 * the native driver hands the engine a char value, and the engine reads some of them with
 * `get_expect_char`, which panics on text (e.g. pg_constraint.contype for table CHECK constraints:
 * "RuntimeError: unreachable"). Such fields are marked here and reported as Character by
 * `withCharacterColumns`. Rewrites the row description before the query sees it.
 */
class CatalogTypesClient extends pg.Client {
  constructor(config) {
    super(config);
    this.connection.prependListener('rowDescription', (message) => {
      for (const field of message.fields) {
        if (field.dataTypeID === NAME_OID) field.dataTypeID = TEXT_OID;
        if (field.dataTypeID === CHAR_OID) {
          field.dataTypeID = TEXT_OID;
          field[CATALOG_CHAR] = true;
        }
      }
    });
  }
}

/**
 * Reports the columns CatalogTypesClient marked as Character instead of Text in the results of
 * `queryable` (an adapter or a transaction of one, and the transactions it starts). The fields
 * reach adapter-pg's `performIO` result, not its `queryRaw` result, so they are looked up by query.
 */
function withCharacterColumns(queryable) {
  const characterColumnsOf = new WeakMap();
  const performIO = queryable.performIO.bind(queryable);
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.performIO = async (query) => {
    const result = await performIO(query);
    // executeRaw runs whole migration scripts through performIO too: one result per statement.
    if (Array.isArray(result?.fields)) {
      characterColumnsOf.set(
        query,
        result.fields.map((field) => field[CATALOG_CHAR] === true),
      );
    }
    return result;
  };
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    characterColumnsOf.get(query)?.forEach((isCharacter, index) => {
      if (isCharacter) result.columnTypes[index] = CHARACTER_COLUMN_TYPE;
    });
    return result;
  };
  if (typeof queryable.startTransaction === 'function') {
    const startTransaction = queryable.startTransaction.bind(queryable);
    queryable.startTransaction = async (...args) => withCharacterColumns(await startTransaction(...args));
  }
  return queryable;
}

/**
 * adapter-pg runs a script (`migrate deploy` applies each migration.sql with it) by splitting it at
 * every ";", which cuts dollar-quoted function bodies apart ("unterminated dollar-quoted string" for
 * any plpgsql trigger function). The native engine sends the whole script as one simple query, which
 * Postgres runs statement by statement in one implicit transaction; so does this.
 */
function withWholeScripts(adapter) {
  adapter.executeScript = async (script) => {
    try {
      await adapter.client.query(script);
    } catch (error) {
      adapter.onError(error);
    }
  };
  return adapter;
}

/**
 * adapter-pg's own shadow database handling drops the database while its pool still holds
 * connections ("being accessed by other users") and leaks it. Here the shadow pool is closed
 * first, then the database dropped, then the admin pool closed. Shadow databases are named
 * `<shadowDatabasePrefix><random>`, so the process that ran the CLI can drop whatever a crash left.
 */
class MigrationPrismaPg extends PrismaPg {
  constructor(config, options, shadowDatabasePrefix) {
    super(config, options);
    this.shadowDatabasePrefix = shadowDatabasePrefix;
  }

  async connect() {
    return withWholeScripts(withCharacterColumns(await super.connect()));
  }

  async connectToShadowDb() {
    const admin = await this.connect();
    const database = `${this.shadowDatabasePrefix}${randomUUID().replaceAll('-', '')}`;
    const drop = () => admin.executeScript(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    let shadow;
    try {
      await admin.executeScript(`CREATE DATABASE "${database}"`);
      // Discrete fields (this.config) so `database` really selects the shadow database.
      const shadowFactory = new MigrationPrismaPg(
        { ...this.config, database },
        this.options,
        this.shadowDatabasePrefix,
      );
      shadow = await shadowFactory.connect();
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

/**
 * Adapter factory for the schema engine, connected to `databaseUrl` (honouring `?schema=`).
 * Shadow databases it creates are named `<shadowDatabasePrefix><32 hex>`.
 */
export function createMigrationAdapterFactory(databaseUrl, { shadowDatabasePrefix = 'prisma_shadow_' } = {}) {
  const schema = schemaOf(databaseUrl);
  // The CLI does not always dispose its adapter; without allowExitOnIdle the process would linger
  // until pg's 10 s idle timeout.
  const config = { ...pgConfigOf(databaseUrl), Client: CatalogTypesClient, allowExitOnIdle: true };
  return new MigrationPrismaPg(config, schema ? { schema } : undefined, shadowDatabasePrefix);
}
