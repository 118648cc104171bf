#!/usr/bin/env node
// One program, two roles: the single-file build (and the .deb) ship one executable, linked as
// both `kubesweep` and `kubesweep-agent`. Invoked under a name starting with kubesweep-agent,
// or as `kubesweep agent ARGS…`, it is the daemon; otherwise it is the client. Each role is
// required only once chosen, so the client never loads the daemon's modules (start-up time).
import path from 'node:path';

export interface Dispatch {
  role: 'agent' | 'client';
  args: string[];
}

/** Which role, from the name the program was invoked by and its arguments. Pure. */
export function dispatch(invokedAs: string, args: readonly string[]): Dispatch {
  if (/^kubesweep-agent(?:\b|$)/.test(path.basename(invokedAs))) return { role: 'agent', args: [...args] };
  if (args[0] === 'agent') return { role: 'agent', args: args.slice(1) };
  return { role: 'client', args: [...args] };
}

/**
 * The name the program was invoked by. A single executable is its own argv[1] (process.argv0
 * keeps the name the caller used, a symlink's included, where execPath is resolved); run by
 * node, the script path is argv[1].
 */
export function invokedName(): string {
  return isSea() ? process.argv0 : (process.argv[1] ?? process.argv0);
}

function isSea(): boolean {
  try {
    return (require('node:sea') as typeof import('node:sea')).isSea();
  } catch {
    return false; // Node without node:sea (< 20.12) cannot be a single executable anyway
  }
}

export function start(d: Dispatch): void {
  if (d.role === 'agent') {
    const { main } = require('./daemon/main') as typeof import('./daemon/main');
    main(d.args).then(
      (code) => process.exit(code),
      (err) => {
        process.stderr.write(`kubesweep-agent: fatal: ${(err as Error)?.stack ?? String(err)}\n`);
        process.exit(1);
      },
    );
  } else {
    (require('./client/cli') as typeof import('./client/cli')).runCli(d.args);
  }
}

/** Start the role this process was invoked as (the bundle's entry calls this). */
export function startProcess(): void {
  start(dispatch(invokedName(), process.argv.slice(2)));
}

if (require.main === module) startProcess();
