// Which of the five scenarios of CONTRACT.md §6 a call is, and the scenario's field rules
// (R required, — must be absent). Pure: headers and the parsed body in, scenario or errors out.
import type { ValidationError } from '../http/error-format.js';
import type { AuthorizeHeaders } from './headers.js';
import type { AuthorizeBody } from './schema.js';

export type AuthorizeScenario = 'tokenize' | 'tokenize_and_pay' | 'cnp_charge' | 'cp_charge' | 'finalize';
export const AUTHORIZE_SCENARIOS: readonly AuthorizeScenario[] = [
  'tokenize',
  'tokenize_and_pay',
  'cnp_charge',
  'cp_charge',
  'finalize',
];

export type Classification =
  { scenario: AuthorizeScenario; errors: [] } | { scenario: undefined; errors: ValidationError[] };

const SPD = 'supplementary_purchase_data';

export function classifyAuthorize(body: AuthorizeBody, headers: AuthorizeHeaders): Classification {
  const errors: ValidationError[] = [];
  const required = (present: boolean, parameter: string, why: string): void => {
    if (!present) errors.push({ parameter, reason: `is required ${why}` });
  };
  const absent = (present: boolean, parameter: string, why: string): void => {
    if (present) errors.push({ parameter, reason: `must be absent ${why}` });
  };
  const payment = body.request_payment_transaction !== undefined;
  const tokenRequest = body.request_customer_token;
  const stepUp = body.step_up_config !== undefined;
  const spd = body.supplementary_purchase_data;

  let scenario: AuthorizeScenario;
  if (headers.customerToken !== undefined) {
    scenario = stepUp ? 'cp_charge' : 'cnp_charge';
    absent(tokenRequest !== undefined, 'Klarna-Customer-Token', 'when request_customer_token is sent');
    required(payment, 'request_payment_transaction', 'for a token charge');
    if (scenario === 'cnp_charge') {
      required(spd?.subscriptions !== undefined, `${SPD}.subscriptions`, 'for a customer-not-present charge');
      absent(
        spd?.ondemand_service !== undefined,
        `${SPD}.ondemand_service`,
        'on a customer-not-present charge',
      );
    }
  } else if (tokenRequest !== undefined) {
    scenario = payment ? 'tokenize_and_pay' : 'tokenize';
    required(stepUp, 'step_up_config', 'when requesting a customer token');
    if (tokenRequest.scopes.includes('payment:customer_not_present')) {
      required(
        spd?.subscriptions !== undefined,
        `${SPD}.subscriptions`,
        'for scope payment:customer_not_present',
      );
    }
    if (tokenRequest.scopes.includes('payment:customer_present')) {
      required(
        spd?.ondemand_service !== undefined,
        `${SPD}.ondemand_service`,
        'for scope payment:customer_present',
      );
    }
  } else if (headers.sessionToken !== undefined) {
    scenario = 'finalize';
    required(payment, 'request_payment_transaction', 'to finalize with Klarna-Network-Session-Token');
    absent(stepUp, 'step_up_config', 'when finalizing with Klarna-Network-Session-Token');
  } else {
    return {
      scenario: undefined,
      errors: [
        {
          parameter: 'Klarna-Customer-Token',
          reason: 'is required unless request_customer_token or Klarna-Network-Session-Token is sent',
        },
      ],
    };
  }
  return errors.length === 0 ? { scenario, errors: [] } : { scenario: undefined, errors };
}
