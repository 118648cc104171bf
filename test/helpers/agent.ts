// Test helpers for the agent: a small gRPC client (typed loosely: tests look at plain objects),
// raw-bytes calls for the fuzz test, TLS credentials from gen-certs.sh output, and startAgent()
// which runs the real daemon (dist/agent/daemon/main.js) as a child process, waits until it says it is
// ready, and stops it by PID in teardown — even when the test fails.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Test } from 'tap';
import { loadProto } from '../../agent/shared/grpc-load';
import { packageRoot } from '../../agent/shared/paths';
import { AGENT_NODE_FLAGS } from '../../agent/shared/node-flags';
import { testbedAgentArgs as baseTestbedAgentArgs, type AgentTarget, type TestbedDirs } from '../../scripts/testbed/agent-args';

type Unary = (
  req: object,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: any) => void,
) => grpc.ClientUnaryCall;

export interface CallError {
  code: grpc.status;
  codeName: string;
  details: string;
  ksCode?: string;
}

export interface ResetOutcome {
  events: any[];
  report?: any;
  error?: CallError;
}

export class AgentTestClient {
  readonly raw: grpc.Client &
    Record<string, Unary | ((req: object, md: grpc.Metadata, opts: grpc.CallOptions) => grpc.ClientReadableStream<any>)>;
  private readonly health: grpc.Client & Record<string, Unary>;

  constructor(
    readonly target: string,
    creds: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
    options: grpc.ChannelOptions = {},
  ) {
    const pkg = loadProto('kubesweep/v1/agent.proto') as any;
    const Ctor = pkg.kubesweep.v1.Agent as grpc.ServiceClientConstructor;
    const opts = { 'grpc.ssl_target_name_override': 'localhost', 'grpc.max_receive_message_length': 64 * 1024 * 1024, ...options };
    this.raw = new Ctor(target, creds, opts) as any;
    const HealthCtor = grpc.makeGenericClientConstructor(
      {
        Check: {
          path: '/grpc.health.v1.Health/Check',
          requestStream: false,
          responseStream: false,
          // HealthCheckRequest { string service = 1; }
          requestSerialize: (r: { service: string }) => {
            const b = Buffer.from(r.service, 'utf8');
            return b.length ? Buffer.concat([Buffer.from([0x0a, b.length]), b]) : Buffer.alloc(0);
          },
          // HealthCheckResponse { ServingStatus status = 1; }
          responseDeserialize: (b: Buffer) => ({
            status: ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'][b.length >= 2 ? b[1] : 0],
          }),
        } as any,
      },
      'Health',
    );
    this.health = new HealthCtor(target, creds, opts) as any;
  }

  call(method: string, req: object = {}, timeoutMs = 60_000): Promise<any> {
    return new Promise((resolve, reject) => {
      (this.raw[method] as Unary).call(this.raw, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) =>
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- tests compare the plain CallError shape (t.same, t.match)
        err ? reject(callError(err)) : resolve(res),
      );
    });
  }

  /** A call that resolves to the error (or undefined on success), for refusal tests. */
  async callError(method: string, req: object = {}, timeoutMs = 60_000): Promise<CallError | undefined> {
    try {
      await this.call(method, req, timeoutMs);
      return undefined;
    } catch (err) {
      return err as CallError;
    }
  }

  reset(req: object, onEvent?: (ev: any) => void, timeoutMs = 300_000): Promise<ResetOutcome> {
    return new Promise((resolve) => {
      const out: ResetOutcome = { events: [] };
      const stream = (this.raw.Reset as any).call(this.raw, req, new grpc.Metadata(), {
        deadline: Date.now() + timeoutMs,
      }) as grpc.ClientReadableStream<any>;
      stream.on('data', (ev) => {
        if (ev.report) out.report = ev.report;
        else out.events.push(ev.progress);
        onEvent?.(ev);
      });
      stream.on('error', (err: grpc.ServiceError) => {
        out.error = callError(err);
        resolve(out);
      });
      stream.on('end', () => resolve(out));
    });
  }

  healthCheck(service = '', timeoutMs = 5000): Promise<string> {
    return new Promise((resolve, reject) => {
      this.health.Check.call(this.health, { service }, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) =>
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- tests compare the plain CallError shape (t.same, t.match)
        err ? reject(callError(err)) : resolve(res.status),
      );
    });
  }

  /** Send raw bytes as the request of a unary method (the fuzz test's generic client). */
  rawCall(method: string, body: Buffer, timeoutMs = 10_000): Promise<{ code: grpc.status; ksCode?: string; details: string }> {
    return new Promise((resolve) => {
      this.raw.makeUnaryRequest(
        `/kubesweep.v1.Agent/${method}`,
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err) => {
          if (err) {
            const e = callError(err);
            resolve({ code: e.code, ksCode: e.ksCode, details: e.details });
          } else resolve({ code: grpc.status.OK, details: '' });
        },
      );
    });
  }

  /** Raw bytes to the server-streaming Reset. */
  rawReset(body: Buffer, timeoutMs = 10_000): Promise<{ code: grpc.status; ksCode?: string; details: string }> {
    return new Promise((resolve) => {
      const stream = this.raw.makeServerStreamRequest(
        `/kubesweep.v1.Agent/Reset`,
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        new grpc.Metadata(),
        {
          deadline: Date.now() + timeoutMs,
        },
      );
      stream.on('data', () => undefined);
      stream.on('error', (err: grpc.ServiceError) => {
        const e = callError(err);
        resolve({ code: e.code, ksCode: e.ksCode, details: e.details });
      });
      stream.on('end', () => resolve({ code: grpc.status.OK, details: '' }));
    });
  }

  close(): void {
    this.raw.close();
    this.health.close();
  }
}

export function callError(err: grpc.ServiceError): CallError {
  const ks = err.metadata?.get('ks-code')?.[0];
  return { code: err.code, codeName: grpc.status[err.code], details: err.details, ksCode: ks === undefined ? undefined : String(ks) };
}

/** mTLS credentials for a client cert made by gen-certs.sh (`name` = admin, reader, nobody …). */
export function tlsCreds(dir: string, name: string | undefined, caDir = dir): grpc.ChannelCredentials {
  const ca = readFileSync(path.join(caDir, 'ca.crt'));
  if (!name) return grpc.credentials.createSsl(ca);
  return grpc.credentials.createSsl(ca, readFileSync(path.join(dir, `${name}.key`)), readFileSync(path.join(dir, `${name}.crt`)));
}

/** Run scripts/gen-certs.sh into a fresh dir under `parent`. */
/** The flags of a mutual-TLS TCP listener on 127.0.0.1:port with the gen-certs material in `pki` (and its CRL). */
export function mtlsListenArgs(port: number, pki: string, opts: { crl?: boolean } = {}): string[] {
  return [
    '--listen',
    `127.0.0.1:${port}`,
    '--tls-cert',
    `${pki}/server.crt`,
    '--tls-key',
    `${pki}/server.key`,
    '--tls-client-ca',
    `${pki}/ca.crt`,
    ...(opts.crl ? ['--tls-crl', `${pki}/crl.pem`] : []),
  ];
}

export function genCerts(parent: string, name: string, caCn = 'kubesweep-ca'): string {
  const dir = path.join(parent, name);
  execFileSync('bash', [path.join(packageRoot(), 'scripts', 'gen-certs.sh'), '--ca-cn', caCn, dir, 'DNS:localhost', 'IP:127.0.0.1'], {
    stdio: 'pipe',
  });
  return dir;
}

export interface RunningAgent {
  pid: number;
  child: ChildProcess;
  /** The unix socket target (unix:///…). */
  socket: string;
  /** Parsed JSON log lines so far. */
  logs: any[];
  stderr(): string;
  client(creds?: grpc.ChannelCredentials, target?: string): AgentTestClient;
  /** Resolves with the exit code/signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Milliseconds from spawn to the ready log line. */
  readyMs: number;
}

export interface StartAgentOptions {
  /** A dir of the test's own (tb.scratch or a mkdtemp dir): socket dir and config file go here. */
  dir: string;
  /** Extra flags. */
  args?: string[];
  /** Written to a YAML/JSON config file and passed with --config. */
  config?: Record<string, unknown>;
  /** Wait for the ready line (default true). */
  waitReady?: boolean;
  readyTimeoutMs?: number;
  /** The agent program and its leading arguments (default: this node, as the unit runs it: AGENT_NODE_FLAGS and dist/agent/daemon/main.js). */
  program?: string[];
}

export function agentMainPath(): string {
  return path.join(packageRoot(), 'dist', 'agent', 'daemon', 'main.js');
}

export interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall clock from spawn to the end of its output. */
  ms: number;
}

/** Run the compiled client (dist/agent/client/cli.js) as a process, with PATH and `env` only. */
export function runClient(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [path.join(packageRoot(), 'dist', 'agent', 'client', 'cli.js'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 }));
  });
}

/** The agent as the unit runs it: this node with AGENT_NODE_FLAGS on dist/agent/daemon/main.js. */
export function agentProgram(): string[] {
  return [process.execPath, ...AGENT_NODE_FLAGS, agentMainPath()];
}

/** Spawn the real agent; stopped by PID in t.teardown (SIGTERM, then SIGKILL after 10 s). */
export async function startAgent(t: Test, opts: StartAgentOptions): Promise<RunningAgent> {
  // Unix socket paths are limited to 108 bytes: keep the socket dir short.
  const sockDir = mkdtempSync('/tmp/ksa-');
  t.teardown(() => rmSync(sockDir, { recursive: true, force: true }));
  const sock = path.join(sockDir, 'agent.sock');
  const [exe, ...lead] = opts.program ?? agentProgram();
  const args = [...lead, '--listen', `unix://${sock}`, '--http-listen', '', ...(opts.args ?? [])];
  if (opts.config) {
    const file = path.join(opts.dir, `agent-config-${process.pid}-${Math.random().toString(16).slice(2, 8)}.json`);
    writeFileSync(file, JSON.stringify(opts.config));
    args.push('--config', file);
  }
  const t0 = performance.now();
  const child = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid!;
  const logs: any[] = [];
  let stderr = '';
  let buf = '';
  let readyResolve: (() => void) | undefined;
  let readyMs = -1;
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        const rec = JSON.parse(line);
        logs.push(rec);
        if (rec.msg === 'kubesweep-agent ready') {
          readyMs = performance.now() - t0;
          readyResolve?.();
        }
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let exitedFlag = false;
  void exited.then(() => {
    exitedFlag = true;
  });
  t.teardown(async () => {
    if (exitedFlag) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
  });
  const clients: AgentTestClient[] = [];
  t.teardown(() => clients.forEach((c) => c.close()));
  const agent: RunningAgent = {
    pid,
    child,
    socket: `unix://${sock}`,
    logs,
    stderr: () => stderr,
    exited,
    get readyMs() {
      return readyMs;
    },
    client(creds, target) {
      const c = new AgentTestClient(target ?? `unix://${sock}`, creds);
      clients.push(c);
      return c;
    },
  };
  if (opts.waitReady !== false) {
    const timeoutMs = opts.readyTimeoutMs ?? 20_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`agent not ready within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)),
        timeoutMs,
      );
      readyResolve = () => {
        clearTimeout(timer);
        resolve();
      };
      void exited.then(({ code, signal }) =>
        reject(new Error(`agent exited (code ${code}, signal ${signal}) before ready; stderr: ${stderr.slice(-2000)}`)),
      );
      if (readyMs >= 0) readyResolve();
    });
  }
  return agent;
}

/** A snapshot of a directory tree (path → size:mtime:mode), to prove nothing changed. */
export function snapshotTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names.sort()) {
      const p = path.join(dir, n);
      const st = lstatSync(p);
      out.set(p, `${st.size}:${st.mtimeMs}:${st.mode}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

/** Flags that point a real agent at a testbed (its CRI, containerd dirs, netns dir) and at dirs of the test. */
/** The shared testbed flags, with debug logs so a failing test shows what the agent did. */
export function testbedAgentArgs(tb: TestbedDirs, opts: AgentTarget): string[] {
  return [...baseTestbedAgentArgs(tb, opts), '--log-level', 'debug'];
}

export const KUBESPRAY_MANIFESTS: Readonly<Record<string, string>> = Object.freeze({
  'kube-apiserver.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\n',
  'kube-controller-manager.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-controller-manager\n',
  'nginx-proxy.yml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx-proxy\n',
});

/** Write the Kubespray static manifests into dir. */
export function writeManifests(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const [n, text] of Object.entries(KUBESPRAY_MANIFESTS)) writeFileSync(path.join(dir, n), text);
}
