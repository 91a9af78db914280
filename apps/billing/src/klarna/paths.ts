// Request paths of the Payment Authorization and Notifications APIs (CONTRACT.md §4). Account and
// request ids are KRNs (`krn:partner:global:account:test:M1`): colons are legal in a path segment
// and Klarna's own samples send them raw, so only characters that would break the path are encoded.
function segment(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':');
}

export const klarnaPaths = {
  authorize: (accountId: string) => `/v2/accounts/${segment(accountId)}/payment/authorize`,
  paymentRequest: (accountId: string, paymentRequestId: string) =>
    `/v2/accounts/${segment(accountId)}/payment/requests/${segment(paymentRequestId)}`,
  signingKeys: () => '/v2/notification/signing-keys',
  signingKey: (signingKeyId: string) => `/v2/notification/signing-keys/${segment(signingKeyId)}`,
  webhooks: () => '/v2/notification/webhooks',
  webhook: (webhookId: string) => `/v2/notification/webhooks/${segment(webhookId)}`,
};
