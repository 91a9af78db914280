// A dedicated PostgreSQL connection that LISTENs on one channel and comes back by itself when the
// connection drops (a restart, a failover, pg_terminate_backend). Notifications sent while it was
// away are lost, so every (re)connect calls `onConnected`: the owner re-reads what it follows.
import pg from 'pg';
import type { Logger } from 'pino';
import { splitSchema } from './prisma-client.js';

export interface PgListenerOptions {
  /** postgresql:// URL; `?schema=` is honoured like the Prisma client does. */
  readonly databaseUrl: string;
  /** A plain identifier (it is written into the LISTEN statement). */
  readonly channel: string;
  readonly onNotification: (payload: string | undefined) => void;
  readonly onConnected: () => void;
  readonly log: Logger;
  /** Wait before reconnecting after a drop or a failed attempt. */
  readonly reconnectMs?: number;
  /** How often the idle connection is checked, so a silently dead one is noticed. */
  readonly pingMs?: number;
}

export interface PgListener {
  start(): void;
  /** Closes the connection and cancels reconnects; resolves once nothing is left open. */
  stop(): Promise<void>;
  /** The server process id of the current LISTEN connection, or null while disconnected. */
  backendPid(): number | null;
}

const CHANNEL = /^[a-z_][a-z0-9_]*$/;

export function createPgListener(opts: PgListenerOptions): PgListener {
  if (!CHANNEL.test(opts.channel))
    throw new Error(`channel must be a plain identifier, got "${opts.channel}"`);
  const { connectionString, schema } = splitSchema(opts.databaseUrl);
  const clientConfig: pg.ClientConfig = {
    connectionString,
    keepAlive: true,
    query_timeout: 10_000,
    application_name: 'rebill-clock-listener',
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  };
  const reconnectMs = opts.reconnectMs ?? 1_000;
  const pingMs = opts.pingMs ?? 10_000;

  let stopped = true;
  let current: { client: pg.Client; pid: number } | null = null;
  let connecting: Promise<void> | null = null;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let pingTimer: NodeJS.Timeout | undefined;

  const scheduleReconnect = (): void => {
    if (stopped || reconnectTimer !== undefined) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect();
    }, reconnectMs);
    reconnectTimer.unref();
  };

  const connect = (): void => {
    if (stopped || connecting !== null || current !== null) return;
    connecting = openConnection().finally(() => {
      connecting = null;
    });
  };

  const openConnection = async (): Promise<void> => {
    const client = new pg.Client(clientConfig);
    let dropped = false;
    const drop = (err?: unknown): void => {
      if (dropped) return;
      dropped = true;
      if (current?.client === client) current = null;
      client.end().catch(() => undefined);
      if (stopped) return;
      opts.log.warn({ err, channel: opts.channel }, 'LISTEN connection lost; reconnecting');
      scheduleReconnect();
    };
    // The error listener stays for the client's whole life: an 'error' without one would crash.
    client.on('error', drop);
    client.on('end', () => drop());
    client.on('notification', (msg) => {
      if (msg.channel === opts.channel && !stopped) opts.onNotification(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${opts.channel}`);
      const [row] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
      if (stopped) {
        dropped = true;
        await client.end().catch(() => undefined);
        return;
      }
      current = { client, pid: row?.pid ?? -1 };
    } catch (err) {
      drop(err);
      return;
    }
    opts.onConnected();
  };

  const ping = (): void => {
    const live = current;
    if (!live) return;
    live.client.query('SELECT 1').catch((err: unknown) => {
      // A query that fails on a live-looking connection: close it, 'end' reconnects.
      opts.log.warn({ err }, 'LISTEN connection ping failed');
      live.client.end().catch(() => undefined);
    });
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      pingTimer = setInterval(ping, pingMs);
      pingTimer.unref();
      connect();
    },
    async stop() {
      stopped = true;
      clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      clearInterval(pingTimer);
      if (connecting) await connecting;
      const live = current;
      current = null;
      if (live) await live.client.end().catch(() => undefined);
    },
    backendPid: () => current?.pid ?? null,
  };
}
