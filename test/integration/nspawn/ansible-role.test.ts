// The Ansible role (scripts/ansible/roles/kubesweep, via kubesweep-install.yml) installs the
// .deb on a node that has no Node.js (a systemd-nspawn container with the testbed's containerd
// socket bound in), writes its config with the node name from the inventory and starts the
// agent; a second run changes nothing. kubespray-remove-node.yml on such a node:
// kubespray-default-node.test.ts.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../agent/shared/paths';
import { buildDeb } from '../../../scripts/build/deb';
import { NspawnMachine } from '../../../scripts/testbed/nspawn';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { ansibleEnv, ensureAnsible, hostPython } from '../../helpers/ansible';
import { buildShipped } from '../../helpers/ship';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';

const ROOT = packageRoot();
const NODE = 'ks-ansible-node';

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

t.test('the role installs the .deb on a node without Node.js and starts the agent', async (t) => {
  ensureAnsible();
  const shipped = await buildShipped(t);
  const deb = buildDeb({ sea: shipped.sea, arch: shipped.arch, outDir: path.join(shipped.dir, 'debs'), fast: true });

  const tb = await withTestbed(t);
  const cri = tb.cri();
  const port = await freePort();
  await runPod(cri, tb, {
    name: 'nginx-proxy-' + NODE,
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: commands.httpd(port) }],
  });
  await runPod(cri, tb, {
    name: 'calico-node-a1',
    kind: 'daemonset',
    hostNetwork: false,
    containers: [{ name: 'calico-node', command: commands.ignoreTerm() }],
  });
  await waitFor(`port ${port} held`, async () => !(await canBind(port)));
  const manifests = path.join(tb.scratch, 'manifests');
  mkdirSync(manifests);
  writeFileSync(path.join(manifests, 'kube-apiserver.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n');

  // Ansible needs a Python on the node: the host's, bound in read-only (the node still has no node).
  const py = hostPython();
  const vm = await NspawnMachine.boot({
    binds: [
      { host: py, container: '/usr/bin/python3', readOnly: true },
      { host: `/usr/lib/${path.basename(py)}`, readOnly: true },
      { host: tb.dir },
    ],
  });
  t.teardown(() => vm.shutdown());
  const sh = (cmd: string) => vm.exec(['bash', '-c', cmd]);
  t.not(sh('command -v node || command -v nodejs').code, 0, 'no node on the node');

  const work = path.join(tb.scratch, 'ansible');
  mkdirSync(work, { recursive: true });
  const inventory = path.join(work, 'hosts.ini');
  writeFileSync(
    inventory,
    `[k8s_cluster]\n${NODE} ansible_connection=nsenter ansible_nsenter_pid=${vm.pid} ansible_python_interpreter=/usr/bin/python3\n\n[etcd]\n${NODE}\n`,
  );
  const vars = path.join(work, 'vars.json');
  writeFileSync(
    vars,
    JSON.stringify({
      kubesweep_deb: deb.file,
      kubesweep_become: false,
      kubesweep_config: {
        criEndpoint: tb.endpoint,
        containerdDirs: [tb.root, tb.state],
        manifestsDir: manifests,
        netnsDirs: [tb.netnsDir],
        kubeletUnit: '',
        // The container shares the machine's network namespace: no link is this test's to delete.
        linkPatterns: [],
        kubeletDir: `${tb.scratch}/kubelet`,
        cniIpamDirs: [tb.ipamDir],
        httpListen: '',
        expectFreePorts: [port],
        graceSeconds: 1,
      },
    }),
  );
  const env = { ...ansibleEnv(work), ANSIBLE_CONNECTION_PLUGINS: path.join(ROOT, 'scripts', 'testbed', 'ansible') };
  const install = () =>
    run('ansible-playbook', ['-i', inventory, path.join(ROOT, 'scripts', 'ansible', 'kubesweep-install.yml'), '-e', `@${vars}`], { env });

  const first = await install();
  t.equal(first.code, 0, 'kubesweep-install.yml', { output: first.output.slice(-4000) });
  t.equal(sh('systemctl is-active kubesweep-agent').stdout.trim(), 'active', 'the agent runs');
  t.equal(sh('systemctl is-enabled kubesweep-agent').stdout.trim(), 'enabled', 'and starts at boot');
  t.match(sh('cat /etc/kubesweep/config.yaml').stdout, new RegExp(`^nodeName: ${NODE}$`, 'm'), 'the node name comes from the inventory');
  t.equal(JSON.parse(sh('kubesweep --json info').stdout).nodeName, NODE, 'the agent answers to it');
  t.equal((await cri.listPodSandbox()).length, 2, 'installing reset nothing');

  const second = await install();
  t.equal(second.code, 0, 'a second run', { output: second.output.slice(-4000) });
  t.match(second.output, new RegExp(`${NODE}\\s*: ok=\\d+\\s+changed=0\\s`), 'changes nothing');
});

t.test('the role installs the single file (install.sh --single) and starts the agent', async (t) => {
  ensureAnsible();
  const shipped = await buildShipped(t);
  const tb = await withTestbed(t);
  const py = hostPython();
  const vm = await NspawnMachine.boot({
    binds: [
      { host: py, container: '/usr/bin/python3', readOnly: true },
      { host: `/usr/lib/${path.basename(py)}`, readOnly: true },
      { host: tb.dir },
    ],
  });
  t.teardown(() => vm.shutdown());
  const sh = (cmd: string) => vm.exec(['bash', '-c', cmd]);
  const work = path.join(tb.scratch, 'ansible');
  mkdirSync(work, { recursive: true });
  const inventory = path.join(work, 'hosts.ini');
  writeFileSync(
    inventory,
    `[k8s_cluster]\n${NODE} ansible_connection=nsenter ansible_nsenter_pid=${vm.pid} ansible_python_interpreter=/usr/bin/python3 kubesweep_node_name=node-from-inventory\n`,
  );
  const vars = path.join(work, 'vars.json');
  writeFileSync(
    vars,
    JSON.stringify({
      kubesweep_single_file: shipped.sea,
      kubesweep_become: false,
      kubesweep_config: { criEndpoint: tb.endpoint, httpListen: '', kubeletUnit: '', linkPatterns: [] },
    }),
  );
  const env = { ...ansibleEnv(work), ANSIBLE_CONNECTION_PLUGINS: path.join(ROOT, 'scripts', 'testbed', 'ansible') };
  const r = await run(
    'ansible-playbook',
    ['-i', inventory, path.join(ROOT, 'scripts', 'ansible', 'kubesweep-install.yml'), '-e', `@${vars}`],
    { env },
  );
  t.equal(r.code, 0, 'kubesweep-install.yml with kubesweep_single_file', { output: r.output.slice(-4000) });
  t.equal(sh('readlink /usr/local/bin/kubesweep-agent').stdout.trim(), '/opt/kubesweep/kubesweep', 'the file with its two names');
  t.match(
    sh('grep ^ExecStart= /etc/systemd/system/kubesweep-agent.service').stdout,
    /^ExecStart=\/usr\/local\/bin\/kubesweep-agent --config/,
    'the unit runs it',
  );
  t.equal(sh('systemctl is-active kubesweep-agent').stdout.trim(), 'active', 'the agent runs');
  t.equal(JSON.parse(sh('kubesweep --json info').stdout).nodeName, 'node-from-inventory', 'kubesweep_node_name from the inventory');
  const again = await run(
    'ansible-playbook',
    ['-i', inventory, path.join(ROOT, 'scripts', 'ansible', 'kubesweep-install.yml'), '-e', `@${vars}`],
    { env },
  );
  t.match(again.output, new RegExp(`${NODE}\\s*: ok=\\d+\\s+changed=0\\s`), 'a second run changes nothing', {
    output: again.output.slice(-3000),
  });
});
