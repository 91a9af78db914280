// The byte layout of a sealed value: version(1) | iv(12) | tag(16) | data. The key id is stored
// next to it (its own column), not inside, so a re-encryption job can find old rows with a query.
export const ENVELOPE_VERSION = 1;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

export interface Envelope {
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
}

export type DecodedEnvelope = { ok: true; envelope: Envelope } | { ok: false; problem: string };

export function encodeEnvelope({ iv, tag, data }: Envelope): Buffer {
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new TypeError('bad IV or tag length');
  return Buffer.concat([Buffer.of(ENVELOPE_VERSION), iv, tag, data]);
}

export function decodeEnvelope(bytes: Uint8Array): DecodedEnvelope {
  // A sealed secret is never empty, so a valid envelope has at least one data byte.
  if (bytes.length <= HEADER_BYTES) return { ok: false, problem: `too short (${bytes.length} bytes)` };
  const version = bytes[0];
  if (version !== ENVELOPE_VERSION) {
    return { ok: false, problem: `unknown version ${String(version)} (expected ${ENVELOPE_VERSION})` };
  }
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    ok: true,
    envelope: {
      iv: buffer.subarray(1, 1 + IV_BYTES),
      tag: buffer.subarray(1 + IV_BYTES, HEADER_BYTES),
      data: buffer.subarray(HEADER_BYTES),
    },
  };
}
