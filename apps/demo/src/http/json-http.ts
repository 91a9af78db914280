// JSON over HTTP for the demo's calls to Rebill and the sandbox: an answer outside the expected
// statuses is an error naming the call and what came back.
export interface JsonAnswer<T> {
  readonly status: number;
  readonly body: T;
}

export class HttpCallError extends Error {
  override readonly name = 'HttpCallError';
}

export async function callJson<T>(
  method: string,
  url: string,
  options: { body?: unknown; headers?: Record<string, string>; expect?: readonly number[] } = {},
): Promise<JsonAnswer<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await res.text();
  const expected = options.expect ?? [200, 201];
  if (!expected.includes(res.status)) {
    throw new HttpCallError(
      `${method} ${new URL(url).pathname} answered ${res.status}: ${text.slice(0, 500)}`,
    );
  }
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}
