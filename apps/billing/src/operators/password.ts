// Operator passwords: scrypt with a per-user random salt. The cost parameters are stored with each
// hash, so raising them later leaves existing operators able to sign in.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface PasswordHash {
  readonly hash: Buffer;
  readonly salt: Buffer;
  readonly n: number;
  readonly r: number;
  readonly p: number;
}

/** 2^15 x 8 x 1: about 32 MiB and tens of milliseconds per guess. */
export const SCRYPT_PARAMS = Object.freeze({ n: 2 ** 15, r: 8, p: 1 });
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;

function derive(
  password: string,
  salt: Buffer,
  params: { n: number; r: number; p: number },
): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.n,
    r: params.r,
    p: params.p,
    // scrypt needs 128 * N * r bytes; Node's default ceiling is exactly that for these parameters.
    maxmem: 256 * params.n * params.r,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(SALT_LENGTH);
  return { hash: await derive(password, salt, SCRYPT_PARAMS), salt, ...SCRYPT_PARAMS };
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const key = await derive(password, stored.salt, stored);
  return key.length === stored.hash.length && timingSafeEqual(key, stored.hash);
}

/**
 * Verified against when no operator has the email, so that an unknown email costs the same scrypt
 * as a wrong password and the answer's timing does not tell which one it was.
 */
let dummy: Promise<PasswordHash> | undefined;
export function dummyPasswordHash(): Promise<PasswordHash> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  return dummy;
}

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `at most ${PASSWORD_MAX_LENGTH} characters`;
  return null;
}
