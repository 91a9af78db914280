// Request paths of the Payment Authorization and Notifications APIs (CONTRACT.md §4) and of the
// Payment Transaction API (§18; its paths are INFERRED). Account, request, transaction and capture
// ids are KRNs (`krn:partner:global:account:test:M1`): colons are legal in a path segment and
// Klarna's own samples send them raw, so only characters that would break the path are encoded.
function segment(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':');
}

function transaction(accountId: string, paymentTransactionId: string): string {
  return `/v2/accounts/${segment(accountId)}/payment/transactions/${segment(paymentTransactionId)}`;
}

export const klarnaPaths = {
  authorize: (accountId: string) => `/v2/accounts/${segment(accountId)}/payment/authorize`,
  paymentRequest: (accountId: string, paymentRequestId: string) =>
    `/v2/accounts/${segment(accountId)}/payment/requests/${segment(paymentRequestId)}`,
  transaction,
  captures: (accountId: string, paymentTransactionId: string) =>
    `${transaction(accountId, paymentTransactionId)}/captures`,
  captureRefunds: (accountId: string, paymentTransactionId: string, paymentCaptureId: string) =>
    `${transaction(accountId, paymentTransactionId)}/captures/${segment(paymentCaptureId)}/refunds`,
  voidTransaction: (accountId: string, paymentTransactionId: string) =>
    `${transaction(accountId, paymentTransactionId)}/void`,
  signingKeys: () => '/v2/notification/signing-keys',
  signingKey: (signingKeyId: string) => `/v2/notification/signing-keys/${segment(signingKeyId)}`,
  webhooks: () => '/v2/notification/webhooks',
  webhook: (webhookId: string) => `/v2/notification/webhooks/${segment(webhookId)}`,
};
