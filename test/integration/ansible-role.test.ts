// The Ansible role (scripts/ansible/roles/kubesweep, via kubesweep-install.yml) installs the
// .deb on a node that has no Node.js (a systemd-nspawn container with the testbed's containerd
// socket bound in), writes its config with the node name from the inventory and starts the
// agent; a second run changes nothing. Then kubespray-remove-node.yml runs against a stand-in
// Kubespray tree (the playbook and role names of kubernetes-sigs/kubespray, each role only
// recording that it ran and how many kubesweep resets had run by then): the kubesweep reset
// comes after the drain and the etcd member removal and before the reset role and the node
// deletion, and leaves the testbed clean.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../agent/shared/paths';
import { buildDeb } from '../../scripts/build/deb';
import { NspawnMachine } from '../../scripts/testbed/nspawn';
import { commands, runPod } from '../../scripts/testbed/pods';
import { ansibleEnv, ensureAnsible, hostPython } from '../helpers/ansible';
import { buildShipped } from '../helpers/ship';
import { canBind, freePort, waitFor, withTestbed } from '../helpers/testbed';

const ROOT = packageRoot();
const NODE = 'ks-ansible-node';

function run(cmd: string, args: string[], opts: { cwd?: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** Kubespray's playbooks and roles that kubespray-remove-node.yml uses, each a recorder. */
function standInKubespray(dir: string): void {
  const record = (name: string) => `- name: ${name} ran\n  ansible.builtin.shell: echo "${name} $(grep -c '"type":"started"' /var/lib/kubesweep/journal 2>/dev/null || echo 0)" >> /var/tmp/kubespray-order\n`;
  const play = (name: string) => `- name: ${name}\n  hosts: all\n  gather_facts: false\n  tasks:\n    ${record(name).replace(/\n(?=.)/g, '\n    ')}`;
  mkdirSync(path.join(dir, 'playbooks'), { recursive: true });
  writeFileSync(path.join(dir, 'ansible.cfg'), '[defaults]\nroles_path = roles\n');
  writeFileSync(path.join(dir, 'playbooks', 'boilerplate.yml'), play('boilerplate'));
  writeFileSync(path.join(dir, 'playbooks', 'internal_facts.yml'), play('internal_facts'));
  const roles: Record<string, string> = {
    kubespray_defaults: 'kubespray_defaults',
    'remove_node/pre_remove': 'drain',
    'remove-node/remove-etcd-node': 'remove-etcd-member',
    reset: 'reset',
    'remove-node/post-remove': 'delete-node',
  };
  for (const [role, name] of Object.entries(roles)) {
    mkdirSync(path.join(dir, 'roles', role, 'tasks'), { recursive: true });
    writeFileSync(path.join(dir, 'roles', role, 'tasks', 'main.yml'), record(name));
  }
  mkdirSync(path.join(dir, 'roles', 'kubespray_defaults', 'defaults'), { recursive: true });
  writeFileSync(path.join(dir, 'roles', 'kubespray_defaults', 'defaults', 'main.yml'), 'proxy_disable_env: {}\n');
}

t.test('the role installs the .deb on a node without Node.js; kubesweep resets at the right point of remove-node', async (t) => {
  ensureAnsible();
  const shipped = await buildShipped(t);
  const deb = buildDeb({ sea: shipped.sea, arch: shipped.arch, outDir: path.join(shipped.dir, 'debs'), fast: true });

  const tb = await withTestbed(t);
  const cri = tb.cri();
  const port = await freePort();
  await runPod(cri, tb, { name: 'nginx-proxy-' + NODE, kind: 'static', hostNetwork: true, containers: [{ name: 'nginx-proxy', command: commands.httpd(port) }] });
  await runPod(cri, tb, { name: 'calico-node-a1', kind: 'daemonset', hostNetwork: false, containers: [{ name: 'calico-node', command: commands.ignoreTerm() }] });
  await waitFor(`port ${port} held`, async () => !(await canBind(port)));
  const manifests = path.join(tb.scratch, 'manifests');
  mkdirSync(manifests);
  writeFileSync(path.join(manifests, 'kube-apiserver.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n');

  // Ansible needs a Python on the node: the host's, bound in read-only (the node still has no node).
  const py = hostPython();
  const vm = await NspawnMachine.boot({
    binds: [{ host: py, container: '/usr/bin/python3', readOnly: true }, { host: `/usr/lib/${path.basename(py)}`, readOnly: true }, { host: tb.dir }],
  });
  t.teardown(() => vm.shutdown());
  const sh = (cmd: string) => vm.exec(['bash', '-c', cmd]);
  t.not(sh('command -v node || command -v nodejs').code, 0, 'no node on the node');

  const work = path.join(tb.scratch, 'ansible');
  mkdirSync(work, { recursive: true });
  const inventory = path.join(work, 'hosts.ini');
  writeFileSync(inventory, `[k8s_cluster]\n${NODE} ansible_connection=nsenter ansible_nsenter_pid=${vm.pid} ansible_python_interpreter=/usr/bin/python3\n\n[etcd]\n${NODE}\n`);
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
  const install = () => run('ansible-playbook', ['-i', inventory, path.join(ROOT, 'scripts', 'ansible', 'kubesweep-install.yml'), '-e', `@${vars}`], { env });

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

  const kubespray = path.join(work, 'kubespray');
  standInKubespray(kubespray);
  const remove = await run(
    'ansible-playbook',
    ['-i', inventory, path.join(ROOT, 'scripts', 'ansible', 'kubespray-remove-node.yml'), '-e', `kubespray_dir=${kubespray}`, '-e', `node=${NODE}`, '-e', 'skip_confirmation=true', '-e', 'kubesweep_become=false', '-e', 'kubesweep_grace=1'],
    { cwd: kubespray, env },
  );
  t.equal(remove.code, 0, 'kubespray-remove-node.yml', { output: remove.output.slice(-6000) });
  // "<role> <number of kubesweep resets before it>", in the order the roles ran.
  const order = sh('cat /var/tmp/kubespray-order').stdout.trim().split('\n');
  t.same(
    order.filter((l) => !l.startsWith('kubespray_defaults') && !l.startsWith('boilerplate') && !l.startsWith('internal_facts')),
    ['drain 0', 'remove-etcd-member 0', 'reset 1', 'delete-node 1'],
    'kubesweep resets after the drain and the etcd member removal, before the reset role and the node deletion',
  );
  t.match(remove.output, new RegExp(`${NODE}: verified clean`), 'the play reports the node clean');
  t.same(await cri.listPodSandbox(), [], 'no sandbox left');
  t.ok(await canBind(port), 'the port is free');
});

t.test('the role installs the single file (install.sh --single) and starts the agent', async (t) => {
  ensureAnsible();
  const shipped = await buildShipped(t);
  const tb = await withTestbed(t);
  const py = hostPython();
  const vm = await NspawnMachine.boot({
    binds: [{ host: py, container: '/usr/bin/python3', readOnly: true }, { host: `/usr/lib/${path.basename(py)}`, readOnly: true }, { host: tb.dir }],
  });
  t.teardown(() => vm.shutdown());
  const sh = (cmd: string) => vm.exec(['bash', '-c', cmd]);
  const work = path.join(tb.scratch, 'ansible');
  mkdirSync(work, { recursive: true });
  const inventory = path.join(work, 'hosts.ini');
  writeFileSync(inventory, `[k8s_cluster]\n${NODE} ansible_connection=nsenter ansible_nsenter_pid=${vm.pid} ansible_python_interpreter=/usr/bin/python3 kubesweep_node_name=node-from-inventory\n`);
  const vars = path.join(work, 'vars.json');
  writeFileSync(vars, JSON.stringify({ kubesweep_single_file: shipped.sea, kubesweep_become: false, kubesweep_config: { criEndpoint: tb.endpoint, httpListen: '', kubeletUnit: '', linkPatterns: [] } }));
  const env = { ...ansibleEnv(work), ANSIBLE_CONNECTION_PLUGINS: path.join(ROOT, 'scripts', 'testbed', 'ansible') };
  const r = await run('ansible-playbook', ['-i', inventory, path.join(ROOT, 'scripts', 'ansible', 'kubesweep-install.yml'), '-e', `@${vars}`], { env });
  t.equal(r.code, 0, 'kubesweep-install.yml with kubesweep_single_file', { output: r.output.slice(-4000) });
  t.equal(sh('readlink /usr/local/bin/kubesweep-agent').stdout.trim(), '/opt/kubesweep/kubesweep', 'the file with its two names');
  t.match(sh('grep ^ExecStart= /etc/systemd/system/kubesweep-agent.service').stdout, /^ExecStart=\/usr\/local\/bin\/kubesweep-agent --config/, 'the unit runs it');
  t.equal(sh('systemctl is-active kubesweep-agent').stdout.trim(), 'active', 'the agent runs');
  t.equal(JSON.parse(sh('kubesweep --json info').stdout).nodeName, 'node-from-inventory', 'kubesweep_node_name from the inventory');
  const again = await run('ansible-playbook', ['-i', inventory, path.join(ROOT, 'scripts', 'ansible', 'kubesweep-install.yml'), '-e', `@${vars}`], { env });
  t.match(again.output, new RegExp(`${NODE}\\s*: ok=\\d+\\s+changed=0\\s`), 'a second run changes nothing', { output: again.output.slice(-3000) });
});
