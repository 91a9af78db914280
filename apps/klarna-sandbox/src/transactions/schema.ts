// Request bodies of the Payment Transaction API (§18.2-18.4; field names INFERRED). Unknown
// fields are ignored, as on authorize.
import { z } from 'zod';

const amount = z.number().int().min(1).max(2_147_483_647);
const reference = z.string().min(1).max(255);

export const captureBody = z.object({
  amount,
  payment_capture_reference: reference.optional(),
  line_items: z.array(z.unknown()).optional(),
  shipping: z.array(z.unknown()).optional(),
});

export const refundCaptureBody = z.object({
  amount,
  payment_refund_reference: reference.optional(),
  reason: z.string().max(1024).optional(),
  klarna_network_data: z.unknown().optional(),
});

export const refundTransactionBody = z.object({
  amount,
  // §18.3: without line items "Klarna cannot reliably determine how the refund should be distributed".
  line_items: z.array(z.unknown()).min(1),
  payment_refund_reference: reference.optional(),
  reason: z.string().max(1024).optional(),
  klarna_network_data: z.unknown().optional(),
});

export const voidBody = z.object({}).optional();
