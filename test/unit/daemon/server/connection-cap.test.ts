// The HTTP connection cap must not starve liveness (issue #22, 4): with the cap full of slow
// connections (headers never finished), /healthz on a new connection is still answered, the
// open connections never exceed the cap, and a connection serving a request is never evicted.
import net from 'node:net';
import t, { type Test } from 'tap';
import { buildHttpServer } from '../../../../agent/daemon/server/http';
import { createMetrics } from '../../../../agent/daemon/server/metrics';
import { captureLogger } from '../../../helpers/log-capture';
import { makeFakeEngine } from '../../../helpers/fake-engine';

const CAP = 16;

async function serve(t: Test) {
  const engine = makeFakeEngine();
  const { log } = captureLogger();
  const metrics = createMetrics({ engine, expectFreePorts: [], nodeName: 'n', version: '0' });
  const app = buildHttpServer({ engine, metrics, expectFreePorts: [], log, isShuttingDown: () => false, maxConnections: CAP });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const sockets: net.Socket[] = [];
  t.teardown(async () => {
    for (const s of sockets) s.destroy();
    await app.close();
  });
  const port = (app.server.address() as net.AddressInfo).port;
  /** A connection that sends half a request and then nothing. */
  const slow = () =>
    new Promise<net.Socket>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.write('GET /ports HTTP/1.1\r\nHost: 127.0.0.1\r\n');
        resolve(s);
      });
      s.on('error', () => undefined);
      sockets.push(s);
    });
  const open = () => new Promise<number>((r) => app.server.getConnections((_e, n) => r(n)));
  return { app, engine, port, slow, open };
}

t.test('slow connections beyond the cap: /healthz answers, the cap holds', async (t) => {
  const { port, slow, open } = await serve(t);
  for (let i = 0; i < CAP * 3; i++) await slow();
  await new Promise((r) => setTimeout(r, 100));
  t.ok((await open()) <= CAP, `open connections stay within the cap (${await open()})`);
  for (let i = 0; i < 5; i++) {
    const status = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.status,
      () => 0,
    );
    t.equal(status, 200, `liveness answered (${i + 1})`);
    await slow();
  }
});

t.test('a connection serving a request is not evicted', async (t) => {
  const { port, slow, engine } = await serve(t);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const orig = engine.listPorts.bind(engine);
  engine.listPorts = async (o) => {
    await gate;
    return orig(o);
  };
  const busy = fetch(`http://127.0.0.1:${port}/ports`);
  await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < CAP * 2; i++) await slow();
  release();
  t.equal((await busy).status, 200, 'the request in flight was answered');
});
