import type { CustomerTokenListRow } from '../../store/customer-tokens.js';
import type { CustomerRow } from '../../store/customers.js';
import type { CustomerJson, CustomerTokenJson } from '../schemas/customers.js';
import { iso, isoOrNull } from './time.js';

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

export function customerTokenView(token: CustomerTokenListRow): CustomerTokenJson {
  return {
    id: token.id,
    object: 'customer_token',
    status: token.status,
    scopes: token.scopes,
    created_at: iso(token.createdAt),
    last_used_at: isoOrNull(token.lastUsedAt),
    revoked_at: isoOrNull(token.revokedAt),
  };
}
