// The per-connection cap on queued, unread answers (32 MB, docs/security.md), reached on the
// real agent: a client opens Inspect calls on one HTTP/2 connection and never reads (receive
// window 0), each answer about 1 MB (a manifests dir of long-named files). Once the connection
// holds 32 MB the agent refuses its new streams with ENHANCE_YOUR_CALM — long before the
// 64-stream cap, which refuses with REFUSED_STREAM — while other connections are served.
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import { startAgent, testbedAgentArgs } from '../../helpers/agent';
import { withTestbed } from '../../helpers/testbed';

/** The documented caps (docs/security.md), not the product's constants: a changed cap fails here. */
const UNREAD_CAP_BYTES = 32e6; // MB as Node's maxSessionMemory counts them

const MAX_CONCURRENT_STREAMS = 64;
/** About 1 MB of Inspect answer: 3,300 manifests of ~300 bytes (name, size, sha256). */
const MANIFESTS = 3300;
/** Calls opened together (they share one inventory scan): the cap may be overshot by one batch. */
const BATCH = 8;

/** gRPC frame of an empty request message. */
const EMPTY = Buffer.from([0, 0, 0, 0, 0]);

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

type Outcome = { opened: true; stream: http2.ClientHttp2Stream } | { opened: false; rstCode: number };

/** One Inspect call on `session`: resolves when the answer's headers arrive, or with the code that refused the stream. */
function openInspect(session: http2.ClientHttp2Session): Promise<Outcome> {
  return new Promise((resolve) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/kubesweep.v1.Agent/Inspect',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    stream.on('error', () => undefined);
    stream.once('response', () => resolve({ opened: true, stream }));
    stream.once('close', () => resolve({ opened: false, rstCode: stream.rstCode ?? -1 }));
    stream.end(EMPTY);
  });
}

/** The bytes of one whole Inspect answer as they cross the wire (read on a normal connection). */
async function answerBytes(sockPath: string): Promise<number> {
  const session = http2.connect('http://localhost', { createConnection: () => net.connect(sockPath) });
  try {
    const outcome = await openInspect(session);
    if (!outcome.opened) throw new Error(`Inspect refused (${outcome.rstCode})`);
    let bytes = 0;
    outcome.stream.on('data', (d: Buffer) => (bytes += d.length));
    await new Promise((r) => outcome.stream.once('end', r));
    return bytes;
  } finally {
    session.destroy();
  }
}

t.test('a connection that never reads is cut off at 32 MB of queued answers; others are served', async (t) => {
  const tb = await withTestbed(t);
  const manifests = path.join(tb.scratch, 'manifests');
  mkdirSync(manifests);
  for (let i = 0; i < MANIFESTS; i++)
    writeFileSync(path.join(manifests, `${String(i).padStart(5, '0')}-${'m'.repeat(220)}.yaml`), `# ${i}\n`);
  const agent = await startAgent(t, {
    dir: tb.scratch,
    args: testbedAgentArgs(tb, { node: 'node1', manifestsDir: manifests, stateDir: path.join(tb.scratch, 'state'), expectFreePorts: [] }),
  });
  const sockPath = agent.socket.slice('unix://'.length);
  const client = agent.client();

  const answer = await answerBytes(sockPath);
  const streamsToCap = UNREAD_CAP_BYTES / answer;
  t.ok(
    streamsToCap + BATCH < MAX_CONCURRENT_STREAMS * 0.75,
    `one answer is ${(answer / 1e6).toFixed(2)} MB: the cap is ${streamsToCap.toFixed(1)} answers`,
  );
  const rssBefore = rssMiB(agent.pid);

  // A few calls at a time, each batch answered (headers) before the next: the read admission
  // (32 in flight) never refuses, so the first refusal is the connection's.
  const greedy = http2.connect('http://localhost', { createConnection: () => net.connect(sockPath), settings: { initialWindowSize: 0 } });
  greedy.on('error', () => undefined);
  t.teardown(() => greedy.destroy());
  const held: http2.ClientHttp2Stream[] = [];
  const refusals: number[] = [];
  const started = Date.now();
  // Never past the stream cap: the client queues streams beyond it instead of sending them.
  while (refusals.length === 0 && held.length + BATCH <= MAX_CONCURRENT_STREAMS) {
    for (const outcome of await Promise.all(Array.from({ length: BATCH }, () => openInspect(greedy)))) {
      if (outcome.opened) held.push(outcome.stream);
      else refusals.push(outcome.rstCode);
    }
  }
  const rssAtCap = rssMiB(agent.pid);
  t.comment(
    `${held.length} unread answers held (${((held.length * answer) / 1e6).toFixed(1)} MB) after ${Date.now() - started} ms, ` +
      `agent RSS ${rssBefore.toFixed(0)} → ${rssAtCap.toFixed(0)} MiB`,
  );
  t.ok(refusals.length > 0, 'new streams are refused once the connection holds the cap');
  t.same(
    refusals.filter((c) => c !== http2.constants.NGHTTP2_ENHANCE_YOUR_CALM),
    [],
    'each refusal is for the connection memory (ENHANCE_YOUR_CALM, not the REFUSED_STREAM of the stream cap)',
  );
  t.ok(held.length >= Math.floor(streamsToCap) - 1, `about 32 MB are held before the refusal (${held.length} answers)`);
  t.ok(held.length <= Math.ceil(streamsToCap) + BATCH, `and not more (${held.length} answers of ${answer} bytes)`);
  t.equal(held.filter((s) => s.closed || s.destroyed).length, 0, 'the held streams stay open (their answers wait)');

  // Meanwhile another connection is served, a full answer and a health check.
  const other = await client.call('Inspect', {}, 30_000);
  t.equal(other.manifests.length, MANIFESTS, 'another connection gets a whole Inspect answer');
  t.equal(await client.healthCheck(), 'SERVING', 'and a health check');
  t.ok(rssAtCap - rssBefore < 128, `the agent's memory grew by ${(rssAtCap - rssBefore).toFixed(0)} MiB holding the cap (bound: 128)`);

  // The greedy connection reads after all (a SETTINGS frame opens every stream's window):
  // every held answer arrives whole.
  let received = 0;
  for (const s of held) s.on('data', (d: Buffer) => (received += d.length));
  greedy.settings({ initialWindowSize: 65535 });
  await Promise.all(
    held.map((s) => {
      s.resume();
      return new Promise((r) => s.once('end', r));
    }),
  );
  t.equal(received, held.length * answer, 'each held answer is delivered whole once read');
});
