// Abuse of the real agent while a reset is in flight: 1,000 concurrent read calls over mTLS
// (a reader), 1,000 concurrent HTTP requests (anyone on the node), oversized messages, and 600
// calls on HTTP/2 connections that never read a byte of their answers (flow-control window 0).
// The reset (admin, unix socket) must end clean and unhurried; calls beyond the limits are
// refused at once with RESOURCE_EXHAUSTED / HTTP 429 — never INTERNAL or a hang —; the agent's
// resident memory (sampled every 50 ms, and its high-water mark) stays under the documented
// bound; and afterwards it answers as before. Figures are printed as test comments.
import http2 from 'node:http2';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import t from 'tap';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { genCerts, mtlsListenArgs, startAgent, testbedAgentArgs, tlsCreds, AgentTestClient } from '../../helpers/agent';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';

/** The bound the README documents (maxMemoryMiB's default). */
const BOUND_MIB = 256;

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** gRPC frame of an empty request message. */
const EMPTY = Buffer.from([0, 0, 0, 0, 0]);

t.test('1,000 reads, 1,000 HTTP requests, oversized and never-read calls during a reset', async (t) => {
  const tb = await withTestbed(t);
  const cri = tb.cri();
  const pki = genCerts(tb.scratch, 'pki');
  const [P, tcp, httpPort] = [await freePort(), await freePort(), await freePort()];
  await runPod(cri, tb, {
    name: 'calico-node-x1',
    kind: 'daemonset',
    hostNetwork: false,
    containers: [{ name: 'calico-node', command: commands.ignoreTerm() }],
  });
  await runPod(cri, tb, {
    name: 'nginx-proxy-node1',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: commands.httpd(P) }],
  });
  await waitFor('port held', async () => !(await canBind(P)));
  const agent = await startAgent(t, {
    dir: tb.scratch,
    args: [
      ...testbedAgentArgs(tb, {
        node: 'node1',
        manifestsDir: path.join(tb.scratch, 'manifests'),
        stateDir: path.join(tb.scratch, 'state'),
        expectFreePorts: [P],
      }),
      ...mtlsListenArgs(tcp, pki),
      '--http-listen',
      `127.0.0.1:${httpPort}`,
    ],
  });
  const sockPath = agent.socket.slice('unix://'.length);
  const idleKb = statusKb(agent.pid, 'VmRSS');
  let peakKb = idleKb;
  const sampler = setInterval(() => {
    try {
      peakKb = Math.max(peakKb, statusKb(agent.pid, 'VmRSS'));
    } catch {
      /* exited: the test fails below */
    }
  }, 50);
  t.teardown(() => clearInterval(sampler));

  // The reset in flight: the container ignoring SIGTERM makes it wait out a 4 s grace period.
  const admin = agent.client();
  let progressed!: () => void;
  const started = new Promise<void>((r) => (progressed = r));
  const t0 = performance.now();
  const reset = admin.reset({ confirmNode: 'node1', graceSeconds: 4 }, () => progressed());
  await started;

  // 1. Never-read calls: raw HTTP/2 over the socket with a receive window of 0 — the agent can
  // send no DATA at all, its answers stay queued in the agent.
  const stalled: http2.ClientHttp2Session[] = [];
  t.teardown(() => stalled.forEach((s) => s.destroy()));
  let stalledRefused = 0;
  let stalledOpened = 0;
  for (let c = 0; c < 10; c++) {
    const s = http2.connect('http://localhost', { createConnection: () => net.connect(sockPath), settings: { initialWindowSize: 0 } });
    s.on('error', () => undefined);
    stalled.push(s);
    for (let i = 0; i < 60; i++) {
      const st = s.request({
        ':method': 'POST',
        ':path': i % 2 ? '/kubesweep.v1.Agent/ListPorts' : '/kubesweep.v1.Agent/Inspect',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      st.on('error', () => stalledRefused++);
      st.on('response', () => stalledOpened++);
      st.end(EMPTY);
      st.pause();
    }
  }

  // A never-read call holds a read slot only while its answer is computed; the answer then waits
  // in the agent's send queue, not in a slot. Once every one of them has its response headers (or
  // was refused), the readers below must find slots free: never-read streams cannot use up the
  // limit for good. (Without this wait, the 1,000 reads can all land while the first 32 never-read
  // calls are still being computed on a loaded machine, and every one is refused.)
  await waitFor('every never-read call answered or refused', () => stalledOpened + stalledRefused >= 600, 60_000);

  // 2. 1,000 concurrent reads over mTLS as a reader, on 16 connections.
  const readers = Array.from(
    { length: 16 },
    (_, i) =>
      new AgentTestClient(`127.0.0.1:${tcp}`, tlsCreds(pki, 'reader'), {
        'grpc.ssl_target_name_override': 'localhost',
        [`x-conn-${i}`]: i,
      }),
  );
  t.teardown(() => readers.forEach((r) => r.close()));
  const methods = ['ListPorts', 'CheckPorts', 'Inspect', 'Info'];
  const grpcCodes: Record<string, number> = {};
  const grpcCalls = Array.from({ length: 1000 }, (_, i) =>
    readers[i % readers.length].callError(methods[i % methods.length], {}, 60_000).then((e) => {
      const k = e ? `${e.codeName}${e.ksCode ? `/${e.ksCode}` : ''}` : 'OK';
      grpcCodes[k] = (grpcCodes[k] ?? 0) + 1;
    }),
  );

  // 3. 1,000 concurrent HTTP requests (what any local user can send).
  const httpCodes: Record<string, number> = {};
  const paths = ['/ports', '/ports/check', '/metrics', '/readyz'];
  const httpCalls = Array.from({ length: 1000 }, (_, i) =>
    fetch(`http://127.0.0.1:${httpPort}${paths[i % paths.length]}`).then(
      async (r) => {
        await r.arrayBuffer();
        httpCodes[r.status] = (httpCodes[r.status] ?? 0) + 1;
      },
      (err: Error) => {
        const k = `error:${(err.cause as NodeJS.ErrnoException | undefined)?.code ?? err.message}`;
        httpCodes[k] = (httpCodes[k] ?? 0) + 1;
      },
    ),
  );

  // 4. Oversized messages: a 1 MiB request to every method (the limit is 64 KiB).
  // On a connection of its own: the reader connections queue the 1,000 calls above.
  const big = Buffer.alloc(1024 * 1024, 0x08);
  const bigClient = new AgentTestClient(`127.0.0.1:${tcp}`, tlsCreds(pki, 'reader'), {
    'grpc.ssl_target_name_override': 'localhost',
    'x-conn-big': 1,
  });
  t.teardown(() => bigClient.close());
  const oversized = await Promise.all(
    ['ListPorts', 'CheckPorts', 'Inspect', 'Info', 'StopPods'].map((m) => bigClient.rawCall(m, big, 60_000)),
  );

  await Promise.all([...grpcCalls, ...httpCalls]);
  const done = await reset;
  const resetMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 300));
  clearInterval(sampler);
  const hwmKb = statusKb(agent.pid, 'VmHWM');

  t.comment(`gRPC reads: ${JSON.stringify(grpcCodes)}`);
  t.comment(`HTTP requests: ${JSON.stringify(httpCodes)}`);
  t.comment(`never-read streams: ${stalledOpened} answered headers, ${stalledRefused} refused`);
  t.comment(
    `agent RSS: idle ${Math.round(idleKb / 1024)} MiB, peak sampled ${Math.round(peakKb / 1024)} MiB, high-water mark ${Math.round(hwmKb / 1024)} MiB (bound ${BOUND_MIB} MiB); reset took ${Math.round(resetMs)} ms with a 4 s grace`,
  );

  t.equal(done.error, undefined, 'the reset in flight did not fail');
  t.equal(done.report?.verification?.verdict, 'clean', 'and ended clean');
  t.ok(resetMs < 60_000, 'in reasonable time');
  const okCodes = new Set(['OK', 'RESOURCE_EXHAUSTED/KS_RESOURCE_EXHAUSTED']);
  t.same(
    Object.keys(grpcCodes).filter((k) => !okCodes.has(k)),
    [],
    'every gRPC read answered OK or RESOURCE_EXHAUSTED',
  );
  t.ok((grpcCodes['RESOURCE_EXHAUSTED/KS_RESOURCE_EXHAUSTED'] ?? 0) > 0, 'reads beyond the limit refused with RESOURCE_EXHAUSTED');
  t.ok((grpcCodes.OK ?? 0) > 0, 'and reads within it answered');
  // 1,000 connections are within the 1,024 cap: none may be dropped (test/integration/containerd/agent-caps
  // reaches the cap itself).
  t.same(
    Object.keys(httpCodes).filter((k) => !['200', '503', '429'].includes(k)),
    [],
    'HTTP: 200/503 (a held port, the CRI mid-reset) or 429; no connection dropped',
  );
  t.equal(
    Object.values(httpCodes).reduce((a, b) => a + b, 0),
    1000,
    'every HTTP request got an answer',
  );
  t.ok((httpCodes['429'] ?? 0) > 0, 'HTTP requests beyond the limit get 429');
  for (const o of oversized) t.equal(o.code, grpc.status.RESOURCE_EXHAUSTED, `oversized: ${o.details.slice(0, 80)}`);
  t.ok(hwmKb / 1024 < BOUND_MIB, `high-water mark ${Math.round(hwmKb / 1024)} MiB under ${BOUND_MIB} MiB`);

  // Afterwards: healthy, the never-read connections closed, answers as before.
  stalled.forEach((s) => s.destroy());
  await new Promise((r) => setTimeout(r, 500));
  t.equal((await admin.call('Info')).nodeName, 'node1', 'the agent answers afterwards');
  t.equal((await readers[1].call('CheckPorts', {})).allFree, true, 'over mTLS too');
  t.equal((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status, 200);
});
