// Invoice numbers: `<merchant invoicePrefix>-<sequence>`, the sequence per merchant without gaps
// and zero-padded to six digits. Taking one updates the merchant's counter row, which stays locked
// until the transaction that took the number commits (or rolls back, returning it).
import { Prisma } from './generated/prisma/client.js';
import type { Tx } from './db.js';

/** The UPDATE that takes the merchant's next number, `RETURNING number`: a statement or a WITH step. */
export function takeInvoiceNumberSql(merchantId: string): Prisma.Sql {
  return Prisma.sql`
    UPDATE "Merchant" SET "nextInvoiceSequence" = "nextInvoiceSequence" + 1
    WHERE id = ${merchantId}::uuid
    RETURNING "invoicePrefix" || '-' || lpad(("nextInvoiceSequence" - 1)::text,
      greatest(6, length(("nextInvoiceSequence" - 1)::text)), '0') AS number`;
}

export async function nextInvoiceNumber(tx: Tx, merchantId: string): Promise<string> {
  const [row] = await tx.$queryRaw<{ number: string }[]>(takeInvoiceNumberSql(merchantId));
  if (row === undefined) throw new Error(`merchant ${merchantId} not found`);
  return row.number;
}
