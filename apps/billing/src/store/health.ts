// Readiness: the database answers a trivial query.
import type { Db } from './db.js';

export async function pingDatabase(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
