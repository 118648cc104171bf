// The per-connection caps of the real agent, each reached: 64 concurrent HTTP/2 streams on one
// gRPC connection whose answers are never read (the 65th and later are refused, the cap is per
// connection), and 1,024 open HTTP connections (the next one is served and the oldest idle one
// is closed to make room, so slow connections cannot starve /healthz; the others keep answering).
import http2 from 'node:http2';
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import { startAgent, testbedAgentArgs } from '../../helpers/agent';
import { freePort, waitFor, withTestbed } from '../../helpers/testbed';

/** The documented caps (docs/security.md), not the product's constants: a changed cap fails here. */
const MAX_CONCURRENT_STREAMS = 64;
const DEFAULT_HTTP_MAX_CONNECTIONS = 1024;

/** gRPC frame of an empty request message. */
const EMPTY = Buffer.from([0, 0, 0, 0, 0]);

/** One HTTP/1.1 request on an open socket: resolves with the status line's code. */
function get(sock: net.Socket, p: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(buf);
      if (m) {
        sock.off('data', onData);
        resolve(Number(m[1]));
      }
    };
    sock.on('data', onData);
    sock.once('close', () => reject(new Error(`closed before an answer (${buf.length} bytes)`)));
    sock.write(`GET ${p} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
  });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

t.test('the per-connection stream cap and the HTTP connection cap are reached; nothing within them is dropped', async (t) => {
  const tb = await withTestbed(t);
  const httpPort = await freePort();
  const agent = await startAgent(t, {
    dir: tb.scratch,
    args: [
      ...testbedAgentArgs(tb, {
        node: 'node1',
        manifestsDir: path.join(tb.scratch, 'manifests'),
        stateDir: path.join(tb.scratch, 'state'),
        expectFreePorts: [],
      }),
      '--http-listen',
      `127.0.0.1:${httpPort}`,
    ],
  });
  const sockPath = agent.socket.slice('unix://'.length);

  // 1. One HTTP/2 connection with a receive window of 0: the agent can send no DATA, so every
  // answered stream stays open. 80 health checks: 64 answered headers, the rest refused.
  const session = http2.connect('http://localhost', { createConnection: () => net.connect(sockPath), settings: { initialWindowSize: 0 } });
  session.on('error', () => undefined);
  t.teardown(() => session.destroy());
  const extra = 16;
  let opened = 0;
  let refused = 0;
  const streams: http2.ClientHttp2Stream[] = [];
  for (let i = 0; i < MAX_CONCURRENT_STREAMS + extra; i++) {
    const st = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    st.on('error', () => refused++);
    st.on('response', () => opened++);
    st.end(EMPTY);
    st.pause();
    streams.push(st);
  }
  await waitFor(
    'every stream answered or refused',
    () =>
      opened + refused >= MAX_CONCURRENT_STREAMS + extra ||
      (opened === MAX_CONCURRENT_STREAMS && refused + opened >= MAX_CONCURRENT_STREAMS),
    30_000,
  );
  await new Promise((r) => setTimeout(r, 1000));
  t.comment(
    `one never-read connection: ${opened} streams answered headers, ${refused} refused, ${MAX_CONCURRENT_STREAMS + extra - opened - refused} pending`,
  );
  t.equal(opened, MAX_CONCURRENT_STREAMS, `exactly ${MAX_CONCURRENT_STREAMS} streams open on the connection`);
  t.equal(
    opened + refused + streams.filter((s) => s.pending).length,
    MAX_CONCURRENT_STREAMS + extra,
    'the others were refused or never opened',
  );
  t.equal(await agent.client().healthCheck(), 'SERVING', 'another connection is served meanwhile (the cap is per connection)');
  session.destroy();

  // 2. HTTP: 1,024 connections held open, then one more.
  const held: net.Socket[] = [];
  let droppedWithin = 0;
  t.teardown(() => held.forEach((s) => s.destroy()));
  for (let i = 0; i < DEFAULT_HTTP_MAX_CONNECTIONS; i++) {
    const s = await connect(httpPort);
    s.on('error', () => undefined);
    s.once('close', () => droppedWithin++);
    held.push(s);
  }
  // Each of the held ones is accepted by the agent: one request on the last proves it was
  // accepted after all the others.
  t.equal(await get(held[held.length - 1], '/healthz'), 200, `connection ${DEFAULT_HTTP_MAX_CONNECTIONS} answers`);
  const closed: number[] = [];
  held.forEach((s, i) => s.once('close', () => closed.push(i)));
  // One more: it is served, and the oldest idle connection is closed to make room for it.
  const over = await connect(httpPort);
  over.on('error', () => undefined);
  t.teardown(() => over.destroy());
  t.equal(await get(over, '/healthz'), 200, `connection ${DEFAULT_HTTP_MAX_CONNECTIONS + 1} is served`);
  await waitFor('the oldest idle connection to close', () => closed.length > 0, 5000).catch(() => undefined);
  t.same(closed, [0], 'exactly one connection was closed to make room: the oldest idle one');
  t.equal(await get(held[1], '/healthz'), 200, 'the next oldest held connection still answers');
  t.equal(await get(held[held.length - 2], '/healthz'), 200, 'a young held connection still answers');
  t.equal(droppedWithin, 1, `of the ${DEFAULT_HTTP_MAX_CONNECTIONS} held connections only that one was closed`);
});
