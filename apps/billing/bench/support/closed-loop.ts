// The measured load: every request sent over `concurrency` keep-alive connections, each sending
// its next request when the last was answered (a closed loop, as a webhook sender with a bounded
// number of connections behaves), with each answer's status and latency.
import { KeepAliveConnection } from './keep-alive-client.js';

export interface LoadRequest {
  readonly head: string;
  readonly body: Buffer;
}

export interface LoadResult {
  readonly sent: number;
  readonly startedAt: number;
  /** performance.now() when the last answer arrived. */
  readonly finishedAt: number;
  /** Latencies in ms, sorted. */
  readonly latencies: Float64Array;
  readonly statuses: ReadonlyMap<string, number>;
}

export async function openConnections(url: string, count: number): Promise<KeepAliveConnection[]> {
  const { hostname, port } = new URL(url);
  const connections = Array.from({ length: count }, () => new KeepAliveConnection(hostname, Number(port)));
  await Promise.all(connections.map((c) => c.open()));
  return connections;
}

export async function runClosedLoop(
  connections: readonly KeepAliveConnection[],
  requests: readonly LoadRequest[],
  classify: (status: number, body: string) => string,
): Promise<LoadResult> {
  const latencies = new Float64Array(requests.length);
  const statuses = new Map<string, number>();
  let next = 0;
  const lane = async (connection: KeepAliveConnection): Promise<void> => {
    while (next < requests.length) {
      const index = next++;
      const request = requests[index];
      if (request === undefined) return;
      const started = performance.now();
      const answer = await connection.request(request.head, request.body);
      latencies[index] = performance.now() - started;
      const label = classify(answer.status, answer.body);
      statuses.set(label, (statuses.get(label) ?? 0) + 1);
    }
  };
  const startedAt = performance.now();
  await Promise.all(connections.map(lane));
  const finishedAt = performance.now();
  return { sent: requests.length, startedAt, finishedAt, latencies: latencies.sort(), statuses };
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
