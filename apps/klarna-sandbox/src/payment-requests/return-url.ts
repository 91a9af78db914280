// return_url placeholders (CONTRACT.md §8.3), substituted when the journey sends the browser back.
// Also matches the percent-encoded braces a URL builder may have produced.

export interface ReturnUrlValues {
  id: string;
  state: string;
  reference: string | undefined;
  sessionToken: string | undefined;
}

const PLACEHOLDER = /(?:\{|%7B)klarna\.payment_request\.([a-z_]+)(?:\}|%7D)/gi;

export function substituteReturnUrl(template: string, values: ReturnUrlValues): string {
  const byName: Record<string, string | undefined> = {
    id: values.id,
    state: values.state,
    payment_request_reference: values.reference ?? '',
    klarna_network_session_token: values.sessionToken ?? '',
  };
  return template.replace(PLACEHOLDER, (match, name: string) => {
    const value = byName[name];
    return value === undefined ? match : encodeURIComponent(value);
  });
}
