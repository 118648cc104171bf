#!/usr/bin/env node
// kubesweep: the operator's client. Parse, call, print, exit — the work is in agent/client/.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from './client/args';
import { packageRoot } from './paths';

function version(): string {
  try {
    return JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, { env: process.env, version: version() });
  if (parsed.kind === 'exit') {
    if (parsed.stdout) process.stdout.write(parsed.stdout);
    if (parsed.stderr) process.stderr.write(parsed.stderr.endsWith('\n') ? parsed.stderr : `${parsed.stderr}\n`);
    return parsed.code;
  }
  // Loaded only when an agent is called: --help, --version and usage errors skip gRPC's load time.
  const { run } = require('./client/run') as typeof import('./client/run');
  return run(parsed.invocation, { stdout: process.stdout, stderr: process.stderr, env: process.env });
}

main(process.argv.slice(2)).then(
  (code) => {
    // Let stdout drain (a piped --json document can be large) before exiting.
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`kubesweep: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
