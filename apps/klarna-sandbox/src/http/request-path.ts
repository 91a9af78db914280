// The request's path as the router matches it: no query, percent-escapes decoded. The router
// serves `/%762/…` as `/v2/…`, so auth and idempotency must look at the decoded path too.

export function requestPath(url: string): string {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // a malformed escape never reaches a route (400 before any hook)
  }
}
