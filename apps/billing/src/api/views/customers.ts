import type { CustomerRow } from '../../store/customers.js';
import type { CustomerJson } from '../schemas/customers.js';
import { iso } from './time.js';

export function customerView(customer: CustomerRow): CustomerJson {
  return {
    id: customer.id,
    object: 'customer',
    external_ref: customer.externalRef,
    email: customer.email,
    name: customer.name,
    created_at: iso(customer.createdAt),
    updated_at: iso(customer.updatedAt),
  };
}
