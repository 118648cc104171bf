// The daemon's lifecycle as a process: SIGTERM during a reset lets it reach a safe point,
// the interrupted run is in the journal and the client still gets the report, then the agent
// exits 0 and removes its socket; bad configuration exits 2 naming every problem; a second
// agent on a live socket refuses to start.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import t from 'tap';
import { readJournal } from '../../../agent/daemon/sweep';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { AgentTestClient, startAgent, testbedAgentArgs, writeManifests } from '../../helpers/agent';
import { freePort, withTestbed } from '../../helpers/testbed';

t.test('SIGTERM during a reset: safe point, journal, report, clean exit', async (t) => {
  const tb = await withTestbed(t);
  const cri = tb.cri();
  const manifestsDir = path.join(tb.scratch, 'manifests');
  const stateDir = path.join(tb.scratch, 'state');
  writeManifests(manifestsDir);
  // Containers that ignore SIGTERM keep remove-pods busy for the grace period.
  for (const n of ['a', 'b', 'c']) {
    await runPod(cri, tb, {
      name: `calico-node-${n}`,
      kind: 'daemonset',
      hostNetwork: false,
      containers: [{ name: 'calico-node', command: commands.ignoreTerm() }],
    });
  }
  const agent = await startAgent(t, {
    dir: tb.scratch,
    args: [...testbedAgentArgs(tb, { node: 'node1', manifestsDir, stateDir, expectFreePorts: [await freePort()] }), '--log-level', 'info'],
  });
  const c = agent.client();
  let inRemovePods!: () => void;
  const removing = new Promise<void>((r) => (inRemovePods = r));
  const run = c.reset({ confirmNode: 'node1', graceSeconds: 5 }, (ev) => {
    if (ev.progress?.type === 'step-started' && ev.progress.step === 'remove-pods') inRemovePods();
  });
  await removing;
  process.kill(agent.pid, 'SIGTERM');
  // New work is refused while the running reset finishes.
  await new Promise((r) => setTimeout(r, 300));
  const late = new AgentTestClient(agent.socket);
  t.teardown(() => late.close());
  const refused = await late.callError('Info', {}, 5000);
  t.ok(
    refused && [grpc.status.UNAVAILABLE].includes(refused.code),
    `a new call after SIGTERM is refused (${refused?.codeName} ${refused?.ksCode ?? ''})`,
  );

  const out = await run;
  t.equal(out.error, undefined, 'the running Reset still completes its stream');
  t.ok(out.report, 'and the client gets the report');
  t.match(out.report.aborted, /SIGTERM/, `report says it was aborted: ${out.report.aborted}`);
  const exit = await agent.exited;
  t.same(exit, { code: 0, signal: null }, 'agent exits 0');
  t.notOk(existsSync(agent.socket.slice('unix://'.length)), 'socket removed');
  const finished = readJournal(stateDir).find((r) => r.type === 'finished' && r.runId === out.report.runId) as any;
  t.ok(finished, 'the interrupted run is recorded in the journal');
  t.match(finished.aborted, /SIGTERM/);
  t.ok(
    agent.logs.some((l) => /SIGTERM: stopping after Reset/.test(l.msg)),
    'the agent logged that it waits for the reset',
  );
  t.ok(agent.logs.some((l) => l.msg === 'kubesweep-agent stopped' && l.interrupted === 'Reset'));
});

t.test('bad configuration: exit 2, every problem named; a second agent on a live socket refuses', async (t) => {
  const dir = mkdtempSync('/tmp/ksl-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bad = await startAgent(t, {
    dir,
    waitReady: false,
    args: ['--node-name', 'Bad_Name', '--state-dir', 'relative', '--expect-free-ports', '0,99999', '--log-level', 'loud', '--bogus'],
  });
  t.equal((await bad.exited).code, 2);
  const err = bad.stderr();
  for (const re of [/flags: .*bogus/]) t.match(err, re);
  const bad2 = await startAgent(t, {
    dir,
    waitReady: false,
    args: ['--node-name', 'Bad_Name', '--state-dir', 'relative', '--expect-free-ports', '0,99999', '--log-level', 'loud'],
  });
  t.equal((await bad2.exited).code, 2);
  for (const re of [/nodeName/, /stateDir/, /expectFreePorts/, /logLevel/, /4 problems/]) t.match(bad2.stderr(), re);

  const base = [
    '--node-name',
    'node1',
    '--state-dir',
    `${dir}/state`,
    '--manifests-dir',
    `${dir}/m`,
    '--netns-dir',
    `${dir}/n`,
    '--cri-endpoint',
    `unix://${dir}/none.sock`,
  ];
  const first = await startAgent(t, { dir, args: base });
  const second = await startAgent(t, { dir, waitReady: false, args: [...base, '--listen', first.socket] });
  t.equal((await second.exited).code, 2, 'second agent on the same socket exits 2');
  t.match(second.stderr(), /another process is listening/);
  t.equal(await first.client().healthCheck(), 'SERVING', 'the first one is unaffected');
});
