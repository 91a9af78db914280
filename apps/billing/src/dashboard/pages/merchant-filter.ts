// The merchant picker of the report pages (?merchant=<id>): every merchant, or one, whose time zone
// then dates the report's days.
import type { FastifyRequest } from 'fastify';
import { listMerchantChoices, type MerchantChoice } from '../../store/operator-lookups.js';
import type { Db } from '../../store/db.js';
import { html, type Html } from '../html.js';

export interface MerchantFilter {
  readonly merchants: readonly MerchantChoice[];
  /** The merchant picked; undefined: every merchant. */
  readonly selected: MerchantChoice | undefined;
}

export async function merchantFilter(db: Db, request: FastifyRequest): Promise<MerchantFilter> {
  const merchants = await listMerchantChoices(db);
  const { merchant } = request.query as { merchant?: unknown };
  return { merchants, selected: merchants.find((m) => m.id === merchant) };
}

export function merchantPicker(action: string, filter: MerchantFilter): Html {
  return html`<form class="inline" method="get" action="${action}">
    <label
      >Merchant
      <select name="merchant">
        <option value="">every merchant</option>
        ${filter.merchants.map(
          (m) =>
            html`<option value="${m.id}" ${m.id === filter.selected?.id ? html` selected` : null}>
              ${m.name} (${m.timeZone})
            </option>`,
        )}
      </select></label
    ><button>Show</button>
  </form>`;
}
