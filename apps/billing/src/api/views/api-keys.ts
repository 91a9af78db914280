import type { ApiKeyRecord } from '../../store/api-keys.js';
import type { ApiKeyJson } from '../schemas/api-keys.js';
import { iso, isoOrNull } from './time.js';

export function apiKeyView(key: ApiKeyRecord): ApiKeyJson {
  return {
    id: key.id,
    object: 'api_key',
    name: key.name,
    prefix: key.prefix,
    created_at: iso(key.createdAt),
    last_used_at: isoOrNull(key.lastUsedAt),
    revoked_at: isoOrNull(key.revokedAt),
  };
}
