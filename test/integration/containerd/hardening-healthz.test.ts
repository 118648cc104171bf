// /healthz under a slow-connection flood (issue #22, 4): 1,100 connections from a local user
// that send half a request and then nothing, more than the agent's connection cap (1,024).
// The liveness probe keeps getting 200, and the agent's open descriptors stay bounded.
import net from 'node:net';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { startAgent, testbedAgentArgs } from '../../helpers/agent';
import { freePort, withTestbed } from '../../helpers/testbed';

const SLOW = 1100;

t.test('1,100 slow connections: /healthz answers 200 throughout', async (t) => {
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
  const sockets: net.Socket[] = [];
  t.teardown(() => sockets.forEach((s) => s.destroy()));
  let closedByAgent = 0;
  const slow = () =>
    new Promise<void>((resolve) => {
      const s = net.connect(httpPort, '127.0.0.1', () => {
        s.write('GET /ports HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
        resolve();
      });
      s.on('error', () => resolve());
      s.on('close', () => closedByAgent++);
      sockets.push(s);
    });
  const healthz = () =>
    fetch(`http://127.0.0.1:${httpPort}/healthz`, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.status,
      (err: Error) => err.message,
    );
  // Open them in batches of 100, probing liveness between batches (a bounded loop).
  const statuses: (number | string)[] = [];
  for (let i = 0; i < SLOW; i += 100) {
    await Promise.all(Array.from({ length: 100 }, slow));
    statuses.push(await healthz());
  }
  // And with all of them open (or replaced), ten more probes.
  for (let i = 0; i < 10; i++) {
    statuses.push(await healthz());
    await slow();
  }
  const fds = readdirSync(`/proc/${agent.pid}/fd`).length;
  t.comment(`agent fds ${fds}; slow connections closed by the agent to make room: ${closedByAgent}`);
  t.same(
    statuses.filter((s) => s !== 200),
    [],
    `every probe answered 200 (${statuses.length} probes)`,
  );
  t.ok(closedByAgent >= SLOW + 10 - 1024 - 5, 'connections beyond the cap were closed');
  t.ok(fds < 1024 + 100, `the agent holds at most the cap of connections (${fds} fds)`);
});
