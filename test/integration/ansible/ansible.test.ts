// scripts/ansible/kubesweep-reset.yml with Debian's ansible-core against localhost
// (connection local, become via su) and the real agent on the private containerd testbed:
// a clean reset passes; a port still held fails the play naming the holder; a wrong node
// name fails the play with the agent's refusal.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../agent/shared/paths';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { testbedAgentArgs } from '../../../scripts/testbed/agent-args';
import type { Testbed } from '../../../scripts/testbed/testbed';
import { startAgent } from '../../helpers/agent';
import { ansibleEnv, ensureAnsible } from '../../helpers/ansible';
import { canBind, freePort, heldPort, waitFor, withTestbed } from '../../helpers/testbed';

const PLAYBOOK = path.join(packageRoot(), 'scripts', 'ansible', 'kubesweep-reset.yml');
const CLI = path.join(packageRoot(), 'dist', 'agent', 'client', 'cli.js');

interface PlayRun {
  code: number | null;
  output: string;
}

function playbook(tb: Testbed, vars: Record<string, unknown>): Promise<PlayRun> {
  const varsFile = path.join(tb.scratch, `vars-${Date.now()}-${Math.random().toString(16).slice(2, 6)}.json`);
  writeFileSync(
    varsFile,
    JSON.stringify({ node: 'localhost', kubesweep_cmd: [process.execPath, CLI], ansible_become_method: 'su', ...vars }),
  );
  const env = ansibleEnv(tb.scratch);
  return new Promise((resolve, reject) => {
    const child = spawn('ansible-playbook', ['-i', 'localhost,', '-c', 'local', PLAYBOOK, '-e', `@${varsFile}`], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

t.test('the Ansible playbook resets through kubesweep and fails the play unless the node is clean', async (t) => {
  ensureAnsible();
  const tb = await withTestbed(t);
  const cri = tb.cri();
  const port = await freePort();
  const manifestsDir = path.join(tb.scratch, 'manifests');
  mkdirSync(manifestsDir, { recursive: true });
  writeFileSync(path.join(manifestsDir, 'nginx-proxy.yml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx-proxy\n');
  await runPod(cri, tb, {
    name: 'nginx-proxy-localhost',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: commands.httpd(port) }],
  });
  await runPod(cri, tb, {
    name: 'calico-node-l1',
    kind: 'daemonset',
    hostNetwork: false,
    containers: [{ name: 'calico-node', command: commands.sleep() }],
  });
  await waitFor(`port ${port} held`, async () => !(await canBind(port)));

  // The inventory host is "localhost", so that is the node name the agent must have.
  const agent = await startAgent(t, {
    dir: tb.scratch,
    args: testbedAgentArgs(tb, { node: 'localhost', manifestsDir, stateDir: path.join(tb.scratch, 'state'), expectFreePorts: [port] }),
  });

  const dry = await playbook(tb, { kubesweep_endpoint: agent.socket, kubesweep_dry_run: true });
  t.equal(dry.code, 0, `dry run passes\n${dry.code === 0 ? '' : dry.output}`);
  t.match(dry.output, /localhost: dry run, \d+ actions planned, nothing changed/);
  t.equal((await cri.listPodSandbox()).length, 2, 'the dry run changed nothing');

  // Only pod-kind pods in scope: the static nginx-proxy keeps its port, and the play says so.
  const scoped = await playbook(tb, {
    kubesweep_endpoint: agent.socket,
    kubesweep_scope: ['pod'],
    kubesweep_expect_free: [port],
    kubesweep_grace: 1,
  });
  t.not(scoped.code, 0, 'the play fails while the static pod still holds its port');
  t.match(
    scoped.output,
    new RegExp(
      `tcp 127\\.0\\.0\\.1:${port} held by pid \\d+ \\(/bin/busybox httpd[^)]*\\), container nginx-proxy, pod kube-system/nginx-proxy-localhost \\[static\\]`,
    ),
    'names the static pod holding the port',
  );

  const clean = await playbook(tb, { kubesweep_endpoint: agent.socket, kubesweep_grace: 1 });
  t.equal(clean.code, 0, `a clean reset passes the play\n${clean.code === 0 ? '' : clean.output}`);
  t.match(clean.output, new RegExp(`localhost: verified clean in [\\d.]+ s \\(ports free: ${port}\\)`));
  t.match(clean.output, /ok=\d+ +changed=1 +unreachable=0 +failed=0/);
  t.equal((await cri.listPodSandbox()).length, 0, 'pods removed');
  t.ok(await canBind(port), 'port free');

  // A port the agent cannot free: held by this test process.
  const held = await heldPort(t);
  const dirty = await playbook(tb, { kubesweep_endpoint: agent.socket, kubesweep_expect_free: `${port},${held}` });
  t.not(dirty.code, 0, 'the play fails when a port is still held');
  t.match(dirty.output, /localhost is NOT clean after the kubesweep reset/);
  t.match(dirty.output, new RegExp(`tcp 127\\.0\\.0\\.1:${held} held by pid ${process.pid} \\(`), 'the failure names who holds which port');
  t.match(dirty.output, /failed=1/);

  const wrongName = await playbook(tb, { kubesweep_endpoint: agent.socket, kubesweep_node_name: 'node9' });
  t.not(wrongName.code, 0, 'a wrong node name fails the play');
  t.match(wrongName.output, /kubesweep could not reset node9 \(exit 2\): .*KS_CONFIRM_MISMATCH/);

  const noAgent = await playbook(tb, { kubesweep_endpoint: `unix://${tb.scratch}/none.sock` });
  t.not(noAgent.code, 0, 'an unreachable agent fails the play');
  t.match(noAgent.output, /kubesweep could not reset localhost \(exit 2\): .*unreachable/);
});
