// CRI endpoint detection against sockets of this test's own (never the machine's): a minimal
// CRI RuntimeService that answers Version on each, the real probe (CriClient) asking them.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import t from 'tap';
import type { Test } from 'tap';
import { main } from '../../../../agent/daemon/main';
import { criProbe, detectCriEndpoint, KNOWN_CRI_ENDPOINTS } from '../../../../agent/daemon/runtime/endpoint-detect';
import { saveLearned } from '../../../../agent/daemon/runtime/learned-store';
import { loadProto } from '../../../../agent/shared/grpc-load';
import { isKubesweepError } from '../../../../agent/shared/errors';
import { AgentTestClient } from '../../../helpers/agent';
import { freePort } from '../../../helpers/testbed';

async function answering(t: Test, sock: string): Promise<void> {
  const pkg = loadProto('cri/runtime/v1/runtime.proto') as unknown as {
    runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor } };
  };
  const server = new grpc.Server();
  server.addService(pkg.runtime.v1.RuntimeService.service, {
    Version: (_call: unknown, cb: grpc.sendUnaryData<object>) =>
      cb(null, { version: '0.1.0', runtimeName: 'test', runtimeVersion: '0', runtimeApiVersion: 'v1' }),
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${sock}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  t.teardown(() => new Promise<void>((r) => server.tryShutdown(() => r())));
}

function dir(t: Test): string {
  const d = mkdtempSync('/tmp/ks-ep-');
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const probe = criProbe(1000);

t.test('the known sockets: containerd, k3s (rke2 runs its containerd at the same path)', async (t) => {
  t.same(KNOWN_CRI_ENDPOINTS, ['unix:///run/containerd/containerd.sock', 'unix:///run/k3s/containerd/containerd.sock']);
});

t.test('exactly one answering socket is the endpoint', async (t) => {
  const d = dir(t);
  await answering(t, `${d}/a.sock`);
  // A socket file nobody serves, and a path with no file: neither answers.
  writeFileSync(`${d}/dead.sock`, '');
  const r = await detectCriEndpoint([`unix://${d}/none.sock`, `unix://${d}/a.sock`, `unix://${d}/dead.sock`], probe);
  t.same(r, { endpoint: `unix://${d}/a.sock`, source: 'detected' });
});

t.test('none answering: refused, naming what was tried; unless one is the endpoint learned last', async (t) => {
  const d = dir(t);
  const cands = [`unix://${d}/x.sock`, `unix://${d}/y.sock`];
  const err = await detectCriEndpoint(cands, probe).catch((e: unknown) => e);
  t.ok(isKubesweepError(err, 'KS_CRI_ENDPOINT_UNKNOWN'), 'KS_CRI_ENDPOINT_UNKNOWN');
  t.match((err as Error).message, `none of the known CRI sockets answers (unix://${d}/x.sock, unix://${d}/y.sock); set --cri-endpoint`);
  t.same(await detectCriEndpoint(cands, probe, cands[1]), { endpoint: cands[1], source: 'learned' }, 'containerd down: the learned one');
  await t.rejects(
    detectCriEndpoint(cands, probe, `unix://${d}/other.sock`),
    /none of the known/,
    'a learned endpoint that is not a candidate is not used',
  );
});

t.test('two answering: refused; one socket under two names counts once', async (t) => {
  const d = dir(t);
  await answering(t, `${d}/a.sock`);
  await answering(t, `${d}/b.sock`);
  await t.rejects(detectCriEndpoint([`unix://${d}/a.sock`, `unix://${d}/b.sock`], probe), {
    code: 'KS_CRI_ENDPOINT_UNKNOWN',
    message: /more than one CRI socket answers \(unix:\/\/.*a\.sock, unix:\/\/.*b\.sock\)/,
  });
  symlinkSync(`${d}/a.sock`, `${d}/link.sock`);
  t.same(await detectCriEndpoint([`unix://${d}/a.sock`, `unix://${d}/link.sock`], probe), {
    endpoint: `unix://${d}/a.sock`,
    source: 'detected',
  });
});

/** main() in this process, with this test's candidate sockets; stopped (SIGTERM) at teardown. */
function runMain(t: Test, d: string, httpPort: number, candidates: string[]): { code: Promise<number>; client: AgentTestClient } {
  const argv = ['--node-name', 'n1', '--state-dir', `${d}/state`, '--manifests-dir', `${d}/m`, '--listen', `unix://${d}/agent.sock`];
  // Never the machine's containerd config, and no dir of the machine's.
  argv.push('--containerd-config', `${d}/none.toml`, '--http-listen', `127.0.0.1:${httpPort}`, '--log-level', 'silent');
  // The agent runs inside tap's process (its compiler included): the read bound is for an agent alone.
  writeFileSync(`${d}/config.yaml`, 'maxMemoryMiB: 4096\n', { mode: 0o600 });
  argv.push('--config', `${d}/config.yaml`);
  const code = main(argv, { criCandidates: candidates, probe, detectPeriodMs: 200 });
  const client = new AgentTestClient(`unix://${d}/agent.sock`);
  let stopped = false;
  t.teardown(async () => {
    client.close();
    if (!stopped) process.emit('SIGTERM', 'SIGTERM');
    await code;
  });
  void code.finally(() => (stopped = true));
  return { code, client };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('none answering: the agent comes up without a runtime and restarts on the one socket that answers', async (t) => {
  const d = dir(t);
  const port = await freePort();
  const sock = `unix://${d}/later.sock`;
  const { code, client } = runMain(t, d, port, [`unix://${d}/none.sock`, sock]);
  const info = await until('the agent answers', () => client.call('Info', {}, 2000));
  t.match(
    info,
    { criEndpoint: '', criEndpointSource: 'pending', criError: /none of the known CRI sockets answers/ },
    'Info: no endpoint yet',
  );
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  t.equal(health.status, 200, 'health answers');
  const ports = await fetch(`http://127.0.0.1:${port}/ports`);
  t.equal(ports.status, 200, 'the port report answers');
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  t.match(
    { status: ready.status, body: await ready.json() },
    { status: 503, body: { error: { code: 'KS_CRI_ENDPOINT_UNKNOWN' } } },
    'not ready',
  );
  const refused = { ksCode: 'KS_CRI_ENDPOINT_UNKNOWN', details: /none of the known CRI sockets answers/ };
  t.match(await client.callError('Inspect'), refused, 'Inspect refused');
  t.match((await client.reset({ confirmNode: 'n1', dryRun: true })).error, refused, 'a dry run refused');

  await answering(t, `${d}/later.sock`);
  const after = await until('the agent restarted on the socket', async () => {
    const i = await client.call('Info', {}, 2000);
    return i.criEndpoint === sock ? i : undefined;
  });
  t.match(after, { criEndpoint: sock, criEndpointSource: 'detected', criRuntimeName: 'test' }, 'restarted on it: Info');
  t.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200, 'ready');
  process.emit('SIGTERM', 'SIGTERM');
  t.equal(await code, 0, 'SIGTERM still stops it (exit 0)');
});

t.test('waiting, then two sockets answer: still refused, saying which; no restart', async (t) => {
  const d = dir(t);
  const port = await freePort();
  const { client } = runMain(t, d, port, [`unix://${d}/a.sock`, `unix://${d}/b.sock`]);
  await until('the agent answers', () => client.call('Info', {}, 2000));
  await answering(t, `${d}/a.sock`);
  await answering(t, `${d}/b.sock`);
  const err = await until('the refusal names both', async () => {
    const e = await client.callError('Inspect');
    return e && /more than one CRI socket answers/.test(e.details) ? e : undefined;
  });
  t.match(err, {
    ksCode: 'KS_CRI_ENDPOINT_UNKNOWN',
    details: /more than one CRI socket answers \(unix:\/\/.*a\.sock, unix:\/\/.*b\.sock\)/,
  });
  t.match(await client.call('Info'), { criEndpoint: '', criEndpointSource: 'pending' }, 'no endpoint chosen');
});

t.test('the learned endpoint is taken from the state dir when none answers', async (t) => {
  const d = dir(t);
  const learned = `unix://${d}/learned.sock`;
  saveLearned(path.join(d, 'state'), {
    learnedAt: '2026-12-06T00:00:00Z',
    containerdVersion: 'containerd 1.6.20',
    criEndpoint: learned,
    dirs: {
      containerdRoot: `${d}/r`,
      containerdState: `${d}/s`,
      netnsDirs: [],
      cniConfDir: '',
      cniBinDirs: [],
      cniIpamDirs: [],
      cniCacheDir: '',
    },
  });
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (s: string) => (out.push(String(s)), true);
  let code: number;
  try {
    code = await main(['--node-name', 'n1', '--state-dir', `${d}/state`, '--manifests-dir', `${d}/m`, '--check-config'], {
      criCandidates: [`unix://${d}/none.sock`, learned],
      probe,
    });
  } finally {
    process.stdout.write = write;
  }
  t.equal(code, 0);
  t.equal((JSON.parse(out.join('')) as { criEndpoint: string }).criEndpoint, learned, 'the checked config carries the learned endpoint');
});

t.test('--check-config judges the file, not the node: no answering socket is a warning, exit 0', async (t) => {
  const d = dir(t);
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = (s: string) => (out.push(String(s)), true);
  process.stderr.write = (s: string) => (err.push(String(s)), true);
  let code: number;
  try {
    code = await main(['--node-name', 'n1', '--state-dir', `${d}/state`, '--manifests-dir', `${d}/m`, '--check-config'], {
      criCandidates: [`unix://${d}/none.sock`],
      probe,
    });
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
  t.equal(code, 0, 'a valid file passes the check');
  t.equal((JSON.parse(out.join('')) as { nodeName: string }).nodeName, 'n1', 'the checked config is printed');
  t.match(err.join(''), /warning: no --cri-endpoint given and none of the known CRI sockets answers/, 'the unanswered CRI is said');
});
