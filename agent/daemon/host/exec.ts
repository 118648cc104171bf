// Running the node's own tools (iproute2, iptables-save/-restore, umount, systemctl) as child
// processes. One runner type, injected where tools are run, so a test can run the same code
// inside a network namespace it created (`nsenter --net=FILE …`) without the code knowing.
import { spawn } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when killed by a signal (the timeout). */
  code: number | null;
}

export interface CommandOptions {
  /** Written to the tool's stdin (iptables-restore reads its rules there). */
  input?: string;
  timeoutMs?: number;
}

/** Never throws for a non-zero exit (callers decide what a code means); throws when the tool cannot be started. */
export type Exec = (argv: readonly string[], opts?: CommandOptions) => Promise<CommandResult>;

export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;

export const runCommand: Exec = (argv, opts = {}) =>
  new Promise((resolve, reject) => {
    const [bin, ...args] = argv;
    if (!bin) {
      reject(new Error('runCommand: empty argv'));
      return;
    }
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
    // A tool that exits before reading all of its stdin must not crash the agent (EPIPE).
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });

/** The first line of a tool's complaint, for messages. */
export function toolError(r: CommandResult): string {
  const text = (r.stderr || r.stdout).trim();
  return text === '' ? `exit code ${r.code}` : text.split('\n').slice(0, 3).join('; ');
}
