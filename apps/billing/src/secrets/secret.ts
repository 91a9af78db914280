// A secret value that cannot be serialized by accident. JSON.stringify, String(), template
// literals, util.inspect (console.log, pino, vitest diffs), spreading and structuredClone all see
// only a redaction marker; the raw value lives in a private field. Only `reveal()` from
// `./reveal.ts` reads it, and an architecture test allows that import in the vault and the Klarna
// client alone.
import { inspect } from 'node:util';

export type SecretKind =
  | 'klarna-customer-token'
  | 'klarna-network-session-token'
  | 'klarna-signing-key'
  /** A webhook event's issued tokens, packed together by the vault to be sealed as one. */
  | 'klarna-webhook-secrets'
  /** A merchant webhook endpoint's signing secret (`whsec_<base64>`), Standard Webhooks. */
  | 'merchant-webhook-secret';

const values = new WeakMap<Secret<SecretKind>, string>();

export class Secret<Kind extends SecretKind> {
  readonly kind: Kind;

  private constructor(kind: Kind, value: string) {
    this.kind = kind;
    values.set(this, value);
    Object.freeze(this);
  }

  /** Wraps a raw value the moment it enters Rebill (a parsed response, a decrypted column). */
  static wrap<K extends SecretKind>(kind: K, value: string): Secret<K> {
    if (typeof value !== 'string' || value === '') {
      throw new TypeError(`${kind} must be a non-empty string`);
    }
    return new Secret(kind, value);
  }

  /** What every accidental serialization prints. */
  get redacted(): string {
    return `[redacted ${this.kind}]`;
  }

  toJSON(): string {
    return this.redacted;
  }

  toString(): string {
    return this.redacted;
  }

  [Symbol.toPrimitive](): string {
    return this.redacted;
  }

  [inspect.custom](): string {
    return this.redacted;
  }
}

export type CustomerTokenSecret = Secret<'klarna-customer-token'>;
export type NetworkSessionTokenSecret = Secret<'klarna-network-session-token'>;
export type SigningKeySecret = Secret<'klarna-signing-key'>;

/** @internal Read by `./reveal.ts` only. */
export function secretValue(secret: Secret<SecretKind>): string {
  const value = values.get(secret);
  if (value === undefined) throw new TypeError('not a Secret');
  return value;
}
