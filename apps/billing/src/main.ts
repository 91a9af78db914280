#!/usr/bin/env node
// `rebill <command>`: starts a role (api, webhooks, worker, scheduler), or runs an operator
// command. Reads a `.env` file when one exists (Node's own loader), then the environment.
import { existsSync } from 'node:fs';
import { runCommand } from './cli/commands.js';

if (existsSync('.env')) process.loadEnvFile('.env');

const code = await runCommand(process.argv.slice(2), process.env);
process.exitCode = code;
// Everything is closed by now and the process ends on its own. Should a handle linger (a
// dependency's socket), say so and end anyway rather than hang an orchestrator's stop.
setTimeout(() => {
  process.stderr.write('rebill: still running 5 s after a clean stop; exiting\n');
  process.exit(code);
}, 5_000).unref();
