// HTTP to Rebill's roles that keeps every answer, so the leak scan can read every byte an API or
// webhook response ever carried.
export interface HttpAnswer<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

export class RecordingHttp {
  readonly responses: string[] = [];

  async request<T = unknown>(
    url: string,
    init: { method: string; headers?: Record<string, string>; body?: string | Buffer },
  ): Promise<HttpAnswer<T>> {
    const res = await fetch(url, {
      method: init.method,
      headers: init.headers ?? {},
      body: init.body ?? null,
    });
    const text = await res.text();
    this.responses.push(`${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${text}`);
    let body: unknown = text;
    if (text !== '' && (res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: body as T, text };
  }
}
