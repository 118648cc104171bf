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

t.test('the agent refuses to start (exit 2) when no endpoint is configured and none answers', async (t) => {
  const d = dir(t);
  const stderr: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (s: string) => (stderr.push(String(s)), true);
  let code: number;
  try {
    code = await main(
      [
        '--node-name',
        'n1',
        '--state-dir',
        `${d}/state`,
        '--manifests-dir',
        `${d}/m`,
        '--listen',
        `unix://${d}/agent.sock`,
        '--http-listen',
        '',
      ],
      { criCandidates: [`unix://${d}/none.sock`], probe },
    );
  } finally {
    process.stderr.write = write;
  }
  t.equal(code, 2);
  t.match(stderr.join(''), /no --cri-endpoint given and none of the known CRI sockets answers/);
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
