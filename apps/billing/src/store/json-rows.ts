// Rows read as JSON (row_to_json) so that one statement can return a row and its relations where
// Prisma's relation reads send one query per relation. JSON carries strings, numbers, booleans
// and nested JSON as Prisma returns them; timestamps arrive as ISO-8601 strings and bytea as
// "\x<hex>", so each model names its DateTime and Bytes fields, and the compiler checks the lists
// against Prisma's model type: a field added to the schema fails the build until it is listed.
import type { Prisma } from './generated/prisma/client.js';

/** The keys of T whose (non-null) values are V. */
type FieldsOf<T, V> = { [K in keyof T]-?: Exclude<T[K], null> extends V ? K : never }[keyof T];

export interface JsonRowSpec<T> {
  /** Prisma's list of the model's scalar fields (`Prisma.<Model>ScalarFieldEnum`). */
  readonly fields: Readonly<Record<string, string>>;
  readonly dates: readonly FieldsOf<T, Date>[];
  readonly bytes: readonly FieldsOf<T, Uint8Array>[];
}

/** The spec itself when its lists are complete (and the model has no field JSON cannot carry exactly); else never. */
type Complete<T, S extends JsonRowSpec<T>> = [Exclude<FieldsOf<T, Date>, S['dates'][number]>] extends [never]
  ? [Exclude<FieldsOf<T, Uint8Array>, S['bytes'][number]>] extends [never]
    ? [FieldsOf<T, bigint | Prisma.Decimal>] extends [never]
      ? S
      : never
    : never
  : never;

export type JsonRowReader<T> = (json: unknown) => T;

/** `jsonRowReader<Subscription>()({ fields, dates: [...], bytes: [] })`: a decoder checked for completeness. */
export function jsonRowReader<T>() {
  return <const S extends JsonRowSpec<T>>(spec: Complete<T, S>): JsonRowReader<T> => {
    const { fields, dates, bytes } = spec as JsonRowSpec<T>;
    const names = Object.values(fields);
    const dateSet = new Set<string>(dates as readonly string[]);
    const byteSet = new Set<string>(bytes as readonly string[]);
    return (json) => {
      if (typeof json !== 'object' || json === null) throw new TypeError('expected a JSON row');
      const source = json as Record<string, unknown>;
      const row: Record<string, unknown> = {};
      for (const name of names) {
        if (!(name in source)) throw new TypeError(`JSON row has no column "${name}"`);
        const value = source[name];
        if (value === null) row[name] = null;
        else if (dateSet.has(name)) row[name] = new Date(value as string);
        else if (byteSet.has(name)) row[name] = hexBytes(value);
        else row[name] = value;
      }
      return row as T;
    };
  };
}

/** bytea in JSON: `\x` then hex (PostgreSQL's default bytea_output). */
function hexBytes(value: unknown): Uint8Array<ArrayBuffer> {
  if (typeof value !== 'string' || !value.startsWith('\\x')) {
    throw new TypeError('bytea in JSON must be hex ("\\x...", bytea_output = hex)');
  }
  return Uint8Array.from(Buffer.from(value.slice(2), 'hex'));
}
