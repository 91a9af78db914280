// Which merchant a webhook is about: its subject_account_id is the merchant's Klarna partner
// account (unique per merchant). Answers are cached per process; accounts never move.
import type { Db } from '../store/db.js';
import { findMerchantIdByKlarnaAccount } from '../store/merchants.js';

export class MerchantDirectory {
  private readonly byAccount = new Map<string, string>();

  constructor(private readonly db: Db) {}

  async idForKlarnaAccount(accountId: string): Promise<string | null> {
    const cached = this.byAccount.get(accountId);
    if (cached !== undefined) return cached;
    const merchantId = await findMerchantIdByKlarnaAccount(this.db, accountId);
    if (merchantId !== null) this.byAccount.set(accountId, merchantId);
    return merchantId;
  }
}
