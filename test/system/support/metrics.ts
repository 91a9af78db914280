// Reading a role's Prometheus text in system tests: a scrape, and the sum of the series of one
// metric whose labels include the ones asked for (e.g. every outcome of one Klarna operation).
import { expect } from 'vitest';

export async function scrape(opsUrl: string): Promise<string> {
  const response = await fetch(`${opsUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const braces = line.indexOf('{');
    const close = line.lastIndexOf('}');
    const labelText = braces >= 0 && braces < close ? line.slice(braces + 1, close) : '';
    const matches = Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`));
    if (matches) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
