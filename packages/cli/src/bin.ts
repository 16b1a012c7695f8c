#!/usr/bin/env node
import { runCli } from './cli';

// Run as `pnpm org-budgets …`, the script's directory is the workspace root: files are relative
// to where the command was typed (INIT_CWD).
const cwd =
  process.env['npm_lifecycle_event'] === 'org-budgets' && process.env['INIT_CWD']
    ? process.env['INIT_CWD']
    : process.cwd();

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd })
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    process.stderr.write(`org-budgets: ${String(error)}\n`);
    process.exitCode = 1;
  });
