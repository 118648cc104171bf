// Small stand-in processes for the etcd-data and kubelet-state tests: started by the test, known
// by pid, killed by pid on teardown. One holds a file open, one listens on a loopback port, one
// is the etcd member stand-in (test/fixtures/etcd/etcd-member-standin.py).
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

export const ETCD_STANDIN = path.join(__dirname, '..', 'fixtures', 'etcd', 'etcd-member-standin.py');

export interface Started {
  pid: number;
  child: ChildProcess;
  /** stdout + stderr so far. */
  output(): string;
  /** Resolves with the exit code once it exits. */
  exited: Promise<number | null>;
}

/** Tracks what a test started; `killAll` ends exactly those pids (the test's teardown). */
export class Procs {
  private readonly pids = new Set<number>();

  start(cmd: string, args: string[], opts: { cwd?: string } = {}): Started {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    this.pids.add(child.pid!);
    void exited.then(() => this.pids.delete(child.pid!));
    return { pid: child.pid!, child, output: () => out, exited };
  }

  /** Started, and printed `ready` (or exited first: then its output is the error). */
  async ready(cmd: string, args: string[], ready: RegExp, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Started> {
    const p = this.start(cmd, args, opts);
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    let code: number | null | undefined;
    void p.exited.then((c) => (code = c));
    while (!ready.test(p.output())) {
      if (code !== undefined) throw new Error(`${cmd} exited ${code} before it was ready: ${p.output()}`);
      if (Date.now() > deadline) throw new Error(`${cmd} not ready in time: ${p.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return p;
  }

  /** A process that opens `file` for reading and keeps it open (cwd: /). */
  holdOpen(file: string): Promise<Started> {
    return this.ready(
      'python3',
      ['-c', 'import sys,time; f=open(sys.argv[1],"rb"); print("holding",flush=True); time.sleep(600)', file],
      /holding/,
    );
  }

  /** A process listening on 127.0.0.1:`port` that holds no file (cwd: /). */
  listen(port: number): Promise<Started> {
    return this.ready(
      'python3',
      [
        '-c',
        'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(1); print("listening",flush=True); time.sleep(600)',
        String(port),
      ],
      /listening/,
    );
  }

  async stop(p: Started): Promise<void> {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await p.exited;
  }

  killAll(): void {
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

/** A loopback TCP port free right now. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
