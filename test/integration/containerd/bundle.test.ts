// The esbuild bundle (scripts/build/bundle.ts), the input of the single executable, built
// fresh and run from a directory that has no package.json or proto/ near it: the protos and
// the version must come from inside it, the lazily loaded modules (prom-client, yaml,
// systeminformation) must be in it, and one file must be both the client and the agent.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../agent/shared/paths';
import { CriClient } from '../../../agent/daemon/cri/client';
import { bundle } from '../../../scripts/build/bundle';
import { testbedAgentArgs } from '../../../scripts/testbed/agent-args';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { startAgent } from '../../helpers/agent';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';

const version = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version as string;

t.test('the bundle is the client and the agent, with everything inside', async (t) => {
  const dir = mkdtempSync('/tmp/ksbun-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { file: js } = await bundle({ outFile: path.join(dir, 'kubesweep.js') });
  const run = (file: string, args: string[]) =>
    spawnSync(process.execPath, [file, ...args], { encoding: 'utf8', cwd: dir, timeout: 120_000 });

  t.equal(run(js, ['--version']).stdout.trim(), version, 'client --version from the embedded package version');
  t.equal(run(js, ['agent', '--version']).stdout.trim(), version, '`kubesweep agent --version` is the agent');
  const link = path.join(dir, 'kubesweep-agent');
  symlinkSync(js, link);
  t.match(run(link, ['--help']).stdout, /^Usage: kubesweep-agent/, 'invoked as kubesweep-agent it is the agent');
  t.match(run(js, ['--help']).stdout, /^Usage: kubesweep /, 'otherwise the client');

  // YAML config (the lazily loaded yaml parser), checked without starting.
  const yamlFile = path.join(dir, 'config.yaml');
  writeFileSync(yamlFile, 'nodeName: from-yaml # a comment only YAML allows\ngraceSeconds: 3\n');
  const check = run(js, ['agent', '--config', yamlFile, '--check-config']);
  t.equal(check.status, 0, check.stderr);
  t.equal(JSON.parse(check.stdout).nodeName, 'from-yaml', 'a YAML config is parsed inside the bundle');

  const tb = await withTestbed(t);
  const cri: CriClient = tb.cri();
  const port = await freePort();
  await runPod(cri, tb, {
    name: 'nginx-proxy-bundle',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: commands.httpd(port) }],
  });
  await waitFor(`port ${port} held`, async () => !(await canBind(port)));
  const manifests = path.join(tb.scratch, 'manifests');
  mkdirSync(manifests);
  const httpPort = await freePort();
  const agent = await startAgent(t, {
    dir: tb.scratch,
    program: [process.execPath, js, 'agent'],
    args: [
      ...testbedAgentArgs(tb, {
        node: 'bundle-node',
        manifestsDir: manifests,
        stateDir: path.join(tb.scratch, 'state'),
        expectFreePorts: [port],
      }),
      '--http-listen',
      `127.0.0.1:${httpPort}`, // after startAgent's "" (off): the last one counts
    ],
    config: { graceSeconds: 1 },
  });
  t.equal(await agent.client().healthCheck(), 'SERVING', "grpc.health.v1 answers (grpc-health-check's proto inlined)");
  const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  t.match(metrics, /kubesweep_listening_ports/, '/metrics from the lazily loaded prom-client');

  const client = (args: string[]) => run(js, ['--agent', agent.socket, ...args]);
  const info = client(['--json', 'info']);
  t.equal(info.status, 0, info.stderr);
  const facts = JSON.parse(info.stdout);
  t.equal(facts.nodeName, 'bundle-node');
  t.equal(facts.agentVersion, version);
  t.ok(facts.facts?.kernel && facts.facts?.cpus > 0, 'node facts from the lazily loaded systeminformation');

  const ports = client(['--json', 'ports']);
  t.equal(ports.status, 0, ports.stderr);
  t.match(ports.stdout, 'nginx-proxy-bundle', 'the port report names the pod (CRI proto embedded)');

  const reset = client(['reset', '--confirm', 'bundle-node', '--grace', '1']);
  t.equal(reset.status, 0, 'a reset through the bundle is verified clean', { stdout: reset.stdout, stderr: reset.stderr });
  t.same(await cri.listPodSandbox(), [], 'no sandbox left');
  t.ok(await canBind(port), 'the port is free again');
});
