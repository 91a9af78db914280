#!/usr/bin/env node
// `rebill <command>`: starts a role (api, webhooks, worker, scheduler), or runs an operator
// command. Reads a `.env` file when one exists (Node's own loader), then the environment.
import { existsSync } from 'node:fs';
import { runCommand } from './cli/commands.js';

if (existsSync('.env')) process.loadEnvFile('.env');

process.exitCode = await runCommand(process.argv.slice(2), process.env);
