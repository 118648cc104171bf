#!/usr/bin/env node
// kubesweep: the operator's client. Parse, call, print, exit — the work is in agent/client/.
import { parseArgs } from './args';
import { GUARDED } from './types';
import { agentVersion } from '../shared/version';

async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, { env: process.env, version: agentVersion() });
  if (parsed.kind === 'exit') {
    if (parsed.stdout) process.stdout.write(parsed.stdout);
    // --json promises one JSON document on stdout, usage errors included.
    if (parsed.code === 2 && argv.includes('--json')) {
      const message = parsed.stderr.trim().replace(/^kubesweep: /, '');
      process.stdout.write(`${JSON.stringify({ error: { kind: 'usage', code: 'KS_INVALID_ARGUMENT', message } }, null, 2)}\n`);
    }
    if (parsed.stderr) process.stderr.write(parsed.stderr.endsWith('\n') ? parsed.stderr : `${parsed.stderr}\n`);
    return parsed.code;
  }
  // Loaded only when an agent is called: --help, --version and usage errors skip gRPC's load time.
  const { run } = require('./run') as typeof import('./run');
  const inv = parsed.invocation;
  process.once('SIGINT', () => {
    // The agent does not stop a reset because its client went away: say so, rather than
    // leave the operator believing the node was left half-done by the Ctrl-C.
    const changing = GUARDED.has(inv.command) && !inv.dryRun;
    process.stderr.write(
      changing
        ? `\nkubesweep: interrupted; the agent${inv.fanOut ? 's' : ''} finish${inv.fanOut ? '' : 'es'} the ${inv.command} already started on ${inv.fanOut ? 'their nodes' : 'its node'}: see kubesweep inspect\n`
        : '\nkubesweep: interrupted\n',
    );
    process.exit(130);
  });
  return run(parsed.invocation, { stdout: process.stdout, stderr: process.stderr, env: process.env });
}

/** Run the client as a process: sets process.exitCode (the single-file entry calls this too). */
export function runCli(argv: string[]): void {
  // `kubesweep ports | head` closes the pipe early: that is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });

  main(argv).then(
    (code) => {
      // Let stdout drain (a piped --json document can be large) before exiting.
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`kubesweep: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 2;
    },
  );
}

if (require.main === module) runCli(process.argv.slice(2));
