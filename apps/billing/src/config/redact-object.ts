// Key-based redaction of whatever is handed to a log call, at any depth. It returns a redacted copy
// (the caller's object is never touched), survives cycles, stops at a fixed depth, and turns values
// whose JSON would be useless or risky into short markers (Buffers, Maps, Secrets). Errors become
// plain objects (type, message, stack, cause and their own properties) walked by the same rules.
// Strings are not searched here: the line scrubber does that once, on the serialized line.
import { isSecretName } from './secret-names.js';
import { Secret, type SecretKind } from '../secrets/secret.js';

export const REDACTED = '[redacted]';

/** Deep enough for a webhook envelope inside a job inside a log call; deeper values are cut. */
const MAX_DEPTH = 12;

type Ancestors = Set<object>;

/**
 * Redacts the merging object of a log call (pino `formatters.log`). The hot path: a flat object
 * with no secret-named key comes back as is, without a copy.
 */
export function redactLogObject(obj: Record<string, unknown>): Record<string, unknown> {
  if (!needsWalk(obj)) return obj;
  try {
    return redactRecord(obj, 0, new Set([obj]));
  } catch {
    // Only a hostile object (a Proxy whose ownKeys throws) gets here; log that, not the object.
    return { logObject: '[Unserializable]' };
  }
}

/** pino's `err` serializer: an Error becomes the same redacted plain object as anywhere else. */
export function redactError(value: unknown): unknown {
  return value instanceof Error ? redactValue(value, 'err', 0, new Set()) : value;
}

function needsWalk(obj: Record<string, unknown>): boolean {
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    if (isSecretName(key)) return true;
    const value = obj[key];
    if (typeof value === 'object' && value !== null) return true;
  }
  return false;
}

function redactValue(value: unknown, key: string, depth: number, ancestors: Ancestors): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Secret) return (value as Secret<SecretKind>).redacted;
  if (ancestors.has(value)) return '[Circular]';
  if (depth > MAX_DEPTH) return '[Truncated]';
  if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
  if (value instanceof ArrayBuffer) return `[ArrayBuffer ${value.byteLength} bytes]`;
  if (value instanceof Map) return `[Map ${value.size} entries]`;
  if (value instanceof Set) return `[Set ${value.size} entries]`;
  if (value instanceof Date) return value;

  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactValue(item, key, depth + 1, ancestors));
    if (value instanceof Error) return redactErrorObject(value, depth, ancestors);
    if (value instanceof Headers) return redactRecord(Object.fromEntries(value), depth, ancestors);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      return redactValue(toJSON.call(value, key), key, depth + 1, ancestors);
    }
    return redactRecord(value as Record<string, unknown>, depth, ancestors);
  } catch {
    // A throwing getter or toJSON must not take the log call (or the caller) down.
    return '[Unserializable]';
  } finally {
    ancestors.delete(value);
  }
}

function redactRecord(
  obj: Record<string, unknown>,
  depth: number,
  ancestors: Ancestors,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) setField(out, key, readField(obj, key), depth, ancestors);
  return out;
}

/** The shape of pino's standard err serializer, plus `cause` as a nested value. */
function redactErrorObject(err: Error, depth: number, ancestors: Ancestors): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: err.constructor.name || err.name,
    message: err.message,
    stack: err.stack,
  };
  // `cause` is usually a non-enumerable own property (`new Error(msg, { cause })`).
  if (err.cause !== undefined) setField(out, 'cause', err.cause, depth, ancestors);
  if (err instanceof AggregateError) setField(out, 'aggregateErrors', err.errors, depth, ancestors);
  for (const key of Object.keys(err)) {
    if (!Object.hasOwn(out, key)) setField(out, key, readField(err, key), depth, ancestors);
  }
  return out;
}

function setField(
  out: Record<string, unknown>,
  key: string,
  value: unknown,
  depth: number,
  ancestors: Ancestors,
) {
  const redacted =
    isSecretName(key) && value !== null && value !== undefined && !(value instanceof Secret)
      ? REDACTED
      : redactValue(value, key, depth + 1, ancestors);
  if (key === '__proto__') {
    // A `__proto__` data key (JSON.parse makes those) must stay data, not become a prototype.
    Object.defineProperty(out, key, {
      value: redacted,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    out[key] = redacted;
  }
}

/** A throwing getter costs its own field, not the whole log line. */
function readField(obj: object, key: string): unknown {
  try {
    return (obj as Record<string, unknown>)[key];
  } catch {
    return '[Unreadable]';
  }
}
