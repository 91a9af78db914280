// Reads a Date argument as epoch ms, rejecting invalid dates with the field named.
import { InvalidInputError } from './errors.js';

export function instantMs(instant: Date, field: string): number {
  const ms = instant instanceof Date ? instant.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new InvalidInputError(field, 'must be a valid instant');
  return ms;
}
