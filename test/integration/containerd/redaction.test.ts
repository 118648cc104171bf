// Secrets in other processes' command lines never leave the agent in clear: a host process
// holding a port with --db-password=… on its command line (the bug report's case), and a pod
// whose shell carries --password VALUE and PGPASSWORD=…, are reported (gRPC ListPorts, HTTP
// /ports, a reset with the CRI down that kills the shim trees), logged and journaled — and the
// clear values appear in none of them, while the redacted words do (so the commands were there).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { startAgent, testbedAgentArgs, writeManifests } from '../../helpers/agent';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';
import { clientResetWithPlanCheck } from '../../helpers/plan-check';

const SECRETS = ['hunter2', 'tok3n-abc', 'pgs3cret'];

t.test('command lines are redacted in reports, logs and the journal of the real agent', async (t) => {
  const tb = await withTestbed(t);
  const cri = tb.cri();
  const [P, Q, httpPort] = [await freePort(), await freePort(), await freePort()];
  const manifestsDir = path.join(tb.scratch, 'manifests');
  const stateDir = path.join(tb.scratch, 'state');
  writeManifests(manifestsDir);

  // A root process of the host holding a port, started with a password on its command line.
  const host = spawn(
    process.execPath,
    ['-e', `require('net').createServer().listen(${Q}, '127.0.0.1')`, '--', '--listen', `127.0.0.1:${Q}`, '--db-password=hunter2'],
    { stdio: 'ignore' },
  );
  t.teardown(() => {
    if (host.exitCode === null && host.signalCode === null) process.kill(host.pid!, 'SIGKILL');
  });
  // A pod whose shell (the parent of the port-holding httpd) carries secrets in its argv.
  // A command after httpd keeps the shell from exec'ing httpd: the shell itself must stay, with
  // its argv. And it must outlive httpd's SIGTERM (kill-shims signals httpd, then the shell; a
  // shell that then ran `exit 0` could be gone before its own signal, and never be logged):
  // `exec sleep` keeps the pid, whose command kill-shims read before signalling.
  const script = `PGPASSWORD=pgs3cret true; ${commands.httpd(P).join(' ')}; exec /bin/busybox sleep 1000`;
  await runPod(cri, tb, {
    name: 'nginx-proxy-node1',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: ['/bin/sh', '-c', script, 'sh', '--password', 'tok3n-abc'] }],
  });
  await waitFor('ports held', async () => !(await canBind(P)) && !(await canBind(Q)));

  const agent = await startAgent(t, {
    dir: tb.scratch,
    args: [
      ...testbedAgentArgs(tb, { node: 'node1', manifestsDir, stateDir, expectFreePorts: [P, Q] }),
      '--http-listen',
      `127.0.0.1:${httpPort}`,
    ],
  });
  const client = agent.client();
  const clear = (what: string, text: string): void => {
    for (const s of SECRETS) t.notOk(text.includes(s), `${what}: no ${s}`);
  };

  const ports = await client.call('ListPorts', {});
  const hostOwner = ports.listeners.find((l: any) => l.port === Q).owners[0];
  t.match(hostOwner.command, /--db-password=\*\*\*/, 'gRPC: the host process is named, its password redacted');
  clear('gRPC ListPorts', JSON.stringify(ports));
  clear('gRPC CheckPorts', JSON.stringify(await client.call('CheckPorts', {})));
  const inv = await client.call('Inspect', {});
  t.ok(JSON.stringify(inv).includes('--password ***'), 'Inspect: the shim tree shows the shell with its password redacted');
  clear('gRPC Inspect', JSON.stringify(inv));

  const http = await (await fetch(`http://127.0.0.1:${httpPort}/ports/check?ports=${P},${Q}`)).text();
  clear('HTTP /ports/check', http);

  // With containerd dead, kill-shims signals the shell and httpd and logs each one; the plan
  // (with every process's command) goes to the journal.
  await tb.killContainerd();
  const out = await clientResetWithPlanCheck(t, client, { confirmNode: 'node1', graceSeconds: 1 }, { stateDir });
  t.equal(out.error, undefined);
  const report = JSON.stringify(out);
  t.ok(report.includes('PGPASSWORD=***') && report.includes('--password ***'), 'the reset report names the shell, redacted');
  clear('Reset report and progress', report);
  t.ok(report.includes('--db-password=***'), 'the host process still holds its port and is named in the verdict, redacted');

  const journal = readFileSync(path.join(stateDir, 'journal'), 'utf8');
  t.ok(journal.includes('--password ***'), "the journal has the shell's command");
  clear('journal', journal);

  await new Promise((r) => setTimeout(r, 200));
  const logs = agent.logs.map((l) => JSON.stringify(l)).join('\n');
  t.ok(
    agent.logs.some((l) => l.step === 'kill-shims' && /--password \*\*\*/.test(l.command ?? '')),
    'the kill is logged with the redacted command',
  );
  clear('agent log', logs + agent.stderr());
});
