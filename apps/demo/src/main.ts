// `npm start`: the demo's composition root. Checks PostgreSQL and Redis, migrates, starts the
// sandbox and Rebill's four roles as processes of their own, runs the scripted customers, prints
// the summary, and stays up until Ctrl-C (or exits, with --short). Exit codes: 0 done or stopped,
// 1 a server does not answer or the run failed, 2 bad usage.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactUrl } from '../../../prisma/tools/database-url.mjs';
import { clearQueues, prepareDatabase } from './database.js';
import { parseOptions, USAGE, type DemoOptions } from './options.js';
import { checkServers } from './preflight.js';
import { Supervisor } from './processes/supervisor.js';
import { rebillEnvironment, startRoles, startSandbox } from './processes/system.js';
import { plainProgress, terminalProgress, countsLine } from './report/progress.js';
import { summaryJsonLine, summaryTable } from './report/summary.js';
import { runDemo } from './run/demo-run.js';
import { createMerchant } from './run/merchant.js';
import { demoSettings, SettingsError, type DemoSettings } from './settings.js';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(): Promise<number> {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (parsed.kind === 'usage_error') {
    process.stderr.write(`${parsed.message}\n\n${USAGE}`);
    return 2;
  }
  let settings: DemoSettings;
  try {
    settings = demoSettings(process.env);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const preflight = await checkServers(settings.databaseUrl, settings.redisUrl);
  if (preflight.kind === 'unreachable') {
    process.stderr.write(`${preflight.message}\n`);
    return 1;
  }
  return run(parsed.options, settings);
}

async function run(options: DemoOptions, settings: DemoSettings): Promise<number> {
  const logDir = mkdtempSync(join(tmpdir(), 'rebill-demo-'));
  say(`Rebill demo, seed ${options.seed} (repeat this run with --seed ${options.seed})`);
  say(
    settings.ownDatabase
      ? `database ${redactUrl(settings.databaseUrl)}: the demo's own, re-created for this run`
      : `database ${redactUrl(settings.databaseUrl)} (DATABASE_URL): migrated, not emptied`,
  );
  say(`process logs in ${logDir}`);
  const supervisor = new Supervisor();
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      // A second Ctrl-C does not wait for the processes to finish their work.
      if (stopping) {
        supervisor.killAll();
        process.exit(130);
      }
      stopping = true;
      say(`\n${signal}: stopping every process (Ctrl-C again to kill them)...`);
      void supervisor.stopAll().then(() => resolve(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const work = async (): Promise<number> => {
    // What does not depend on each other starts together: the sandbox while the database is
    // migrated, the merchant while the roles start.
    const env = rebillEnvironment(settings, options.realTime ? 'system' : 'virtual');
    await Promise.all([
      prepareDatabase(settings).then(() => (settings.ownDatabase ? clearQueues(settings) : 0)),
      startSandbox(supervisor, settings, logDir),
    ]);
    const [system, merchant] = await Promise.all([
      startRoles(supervisor, settings, env, logDir),
      createMerchant(env),
    ]);
    say(`sandbox ${system.sandboxUrl}, api ${system.apiUrl}, webhooks ${system.webhooksUrl}: ready`);
    const progress = process.stdout.isTTY ? terminalProgress(process.stdout) : plainProgress(say);
    const { summary, figures } = await runDemo(system, merchant, options, progress, settings);
    say(`\n${summaryTable(summary)}\n`);
    say(summaryJsonLine(summary));
    say(`\nDashboard: ${system.apiUrl}/dashboard   API reference: ${system.apiUrl}/docs`);
    if (options.short) {
      await figures.close();
      const exits = await supervisor.stopAll();
      const unclean = Object.entries(exits).filter(([, how]) => how !== 0);
      if (unclean.length > 0)
        throw new Error(`not stopped cleanly: ${JSON.stringify(Object.fromEntries(unclean))}`);
      return 0;
    }
    say(`Rebill keeps running (process logs in ${logDir}). Ctrl-C stops every process.`);
    if (options.realTime) {
      say('On the system clock the daily plan renews as days pass: a line here whenever a figure changes.');
      // Renewals come as real time passes: a line whenever the figures change.
      let last = '';
      setInterval(() => {
        void figures.rebill().then((now) => {
          const line = countsLine(now);
          if (line !== last) say(`${new Date().toISOString()}  ${(last = line)}`);
        });
      }, 10_000).unref();
    }
    return stopped;
  };
  const crashed = supervisor.crashed.then((child) => {
    throw new Error(`${child.spec.name} exited on its own; its last lines:\n${child.lastLines()}`);
  });
  try {
    return await Promise.race([work(), crashed, stopped]);
  } catch (error) {
    process.stderr.write(`\nThe demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.stderr.write(`Process logs: ${logDir}\n`);
    await supervisor.stopAll();
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
