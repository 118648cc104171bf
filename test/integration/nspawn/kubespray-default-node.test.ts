// kubespray-remove-node.yml on a default Kubespray node, for real: systemd as PID 1 of a
// systemd-nspawn container, kubesweep installed there from the .deb by the role (under --diff,
// with TLS material: no key may show), the testbed's containerd with the seed residue, an
// ENABLED stand-in kubelet.service and a stand-in host-mode etcd.service (Restart=always,
// RestartSec=10s, on loopback ports the agent is told are etcd's, exiting once its member is
// removed), driven by Debian's ansible-playbook against a stand-in Kubespray tree
// (test/helpers/kubespray-standin.ts). One boot serves every case, in this order:
//   drift (one more play) → fails before anything changes, naming the play;
//   agent stopped → fails in the pre-flight, before the drain;
//   kubesweep_instead_of_reset=true on a host-mode etcd member → refused in the pre-flight;
//   --check → exit 0, the plan printed, nothing changed;
//   --tags kubesweep → kubesweep's reset runs (and only it): host etcd and the enabled kubelet unit
//     are reported as left for the reset role with pid, unit and port, and the final verification
//     fails the host because the reset role did not run;
//   the full flow → drained, etcd member removed, kubesweep reset, reset role, final verification
//     clean, node deleted; a decoy unit untouched;
//   a second run → changed=0;
//   reset_nodes=false allow_ungraceful_removal=true on an unreachable node → deleted, exit 0.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../agent/shared/paths';
import { buildDeb } from '../../../scripts/build/deb';
import { NspawnMachine } from '../../../scripts/testbed/nspawn';
import { runPod } from '../../../scripts/testbed/pods';
import { SEED_MANIFESTS, seedSpecs } from '../../../scripts/testbed/seed';
import { genCerts } from '../../helpers/agent';
import { ansibleEnv, ensureAnsible } from '../../helpers/ansible';
import { writeStandInKubespray } from '../../helpers/kubespray-standin';
import { buildShipped } from '../../helpers/ship';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';

const ROOT = packageRoot();
const NODE = 'ks-default-node';
const PLAYBOOK = path.join(ROOT, 'scripts', 'ansible', 'kubespray-remove-node.yml');
const ETCD_STANDIN = path.join(ROOT, 'test', 'fixtures', 'kubespray', 'etcd-standin.py');

interface Run {
  code: number | null;
  output: string;
}

function run(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('ansible-playbook', args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** Where a "TASK [role : name]" header first shows in the output. */
const taskIndex = (output: string, name: string) => output.indexOf(name);

/** The tasks that reported `status` ("changed", "ok", "fatal" …) for `host` (any host when omitted). */
function tasksWith(output: string, status: string, host?: string): string[] {
  const out: string[] = [];
  let task = '';
  for (const line of output.split('\n')) {
    const m = /^TASK \[(.*)\]/.exec(line);
    if (m) task = m[1];
    else if (line.startsWith(`${status}: [${host ?? ''}`)) out.push(task);
  }
  return out;
}
const changedTasks = (output: string) => tasksWith(output, 'changed');

t.test('kubespray-remove-node.yml on a default Kubespray node: every case on one booted node', async (t) => {
  const started = Date.now();
  ensureAnsible();
  const shipped = await buildShipped(t);
  const deb = buildDeb({ sea: shipped.sea, arch: shipped.arch, outDir: path.join(shipped.dir, 'debs'), fast: true });

  const tb = await withTestbed(t);
  const cri = tb.cri();
  const ports = { api: await freePort(), proxyMetrics: await freePort() };
  const etcdClient = await freePort();
  const etcdPeer = await freePort();
  const kubeletPort = await freePort();
  const manifests = path.join(tb.scratch, 'manifests');
  mkdirSync(manifests, { recursive: true });
  const seed = async () => {
    for (const [name, text] of Object.entries(SEED_MANIFESTS)) writeFileSync(path.join(manifests, name), text);
    for (const spec of seedSpecs(ports, NODE)) await runPod(cri, tb, spec);
    await waitFor(`port ${ports.api} held`, async () => !(await canBind(ports.api)));
  };
  await seed();

  const py = `/usr/bin/python3.${process.env.KUBESWEEP_TEST_PY_MINOR ?? '11'}`;
  const vm = await NspawnMachine.boot({
    binds: [
      { host: py, container: '/usr/bin/python3', readOnly: true },
      { host: `/usr/lib/${path.basename(py)}`, readOnly: true },
      { host: ETCD_STANDIN, container: '/usr/local/lib/etcd-standin.py', readOnly: true },
      { host: tb.dir },
    ],
  });
  t.teardown(() => vm.shutdown());
  const sh = (cmd: string) => vm.exec(['bash', '-c', cmd]);
  const unitState = (u: string) => sh(`echo $(systemctl is-active ${u}) $(systemctl is-enabled ${u})`).stdout.trim();

  // The node's host services, as Kubespray installs them.
  vm.writeFile(
    '/etc/systemd/system/kubelet.service',
    `[Unit]\nDescription=stand-in kubelet (kubesweep test)\n[Service]\nExecStart=/usr/bin/python3 -m http.server --bind 127.0.0.1 ${kubeletPort}\nRestart=always\nRestartSec=10s\n[Install]\nWantedBy=multi-user.target\n`,
  );
  vm.writeFile(
    '/etc/systemd/system/etcd.service',
    `[Unit]\nDescription=stand-in host-mode etcd member (kubesweep test)\n[Service]\nType=simple\nExecStart=/usr/bin/python3 /usr/local/lib/etcd-standin.py ${etcdClient} ${etcdPeer} /var/lib/etcd\nRestart=always\nRestartSec=10s\n[Install]\nWantedBy=multi-user.target\n`,
  );
  vm.writeFile(
    '/etc/systemd/system/decoy.service',
    '[Unit]\nDescription=not Kubernetes\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n',
  );
  t.equal(
    sh('systemctl daemon-reload && systemctl enable --now kubelet.service etcd.service decoy.service').code,
    0,
    'host services started and enabled',
  );
  for (const p of [etcdClient, etcdPeer, kubeletPort]) await waitFor(`port ${p} held`, async () => !(await canBind(p)));

  const work = path.join(tb.scratch, 'ansible');
  mkdirSync(work, { recursive: true });
  const record = path.join(work, 'kubespray-record');
  const closedPort = await freePort();
  const inventory = path.join(work, 'hosts.ini');
  writeFileSync(
    inventory,
    [
      '[kube_control_plane]',
      `cp1 ansible_connection=local ansible_python_interpreter=${process.env.KUBESWEEP_TEST_CONTROLLER_PY ?? '/usr/bin/python3'}`,
      '[etcd]',
      'cp1',
      NODE,
      '[kube_node]',
      `${NODE} ansible_connection=nsenter ansible_nsenter_pid=${vm.pid} ansible_python_interpreter=/usr/bin/python3`,
      `deadnode ansible_host=127.0.0.1 ansible_port=${closedPort} ansible_connection=ssh ansible_user=nobody`,
      '[k8s_cluster:children]',
      'kube_control_plane',
      'kube_node',
      '',
    ].join('\n'),
  );
  const env = {
    ...ansibleEnv(work),
    ANSIBLE_CONNECTION_PLUGINS: path.join(ROOT, 'scripts', 'testbed', 'ansible'),
    ANSIBLE_SSH_ARGS: '-o ConnectTimeout=3 -o StrictHostKeyChecking=no',
  };

  // Install under --diff with TLS material: the key must not show.
  const pki = genCerts(tb.scratch, 'pki');
  const keyBody = readFileSync(path.join(pki, 'server.key'), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'));
  const tlsListen = `127.0.0.1:${await freePort()}`;
  const vars = path.join(work, 'install.json');
  writeFileSync(
    vars,
    JSON.stringify({
      kubesweep_hosts: NODE,
      kubesweep_deb: deb.file,
      kubesweep_become: false,
      kubesweep_tls_client_ca_file: path.join(pki, 'ca.crt'),
      kubesweep_tls_server_cert_file: path.join(pki, 'server.crt'),
      kubesweep_tls_server_key_file: path.join(pki, 'server.key'),
      kubesweep_tls_listen: tlsListen,
      kubesweep_config: {
        criEndpoint: tb.endpoint,
        containerdDirs: [tb.root, tb.state],
        manifestsDir: manifests,
        netnsDirs: [tb.netnsDir],
        // The container shares the machine's network namespace: no link is this test's to delete.
        linkPatterns: [],
        kubeletDir: `${tb.scratch}/kubelet`,
        cniIpamDirs: [tb.ipamDir],
        httpListen: '',
        expectFreePorts: [ports.api, ports.proxyMetrics, etcdClient, etcdPeer, kubeletPort],
        graceSeconds: 1,
      },
    }),
  );
  const install = await run(
    ['-i', inventory, path.join(ROOT, 'scripts', 'ansible', 'kubesweep-install.yml'), '-e', `@${vars}`, '--diff', '-v'],
    { cwd: work, env },
  );
  t.equal(install.code, 0, 'kubesweep-install.yml --diff with TLS', { output: install.output.slice(-4000) });
  t.equal(sh('systemctl is-active kubesweep-agent').stdout.trim(), 'active', 'the agent runs');
  t.match(install.output, /server-key\.pem/, 'the key copy task ran');
  t.notOk(
    keyBody.some((l) => install.output.includes(l)),
    'no line of the private key in the --diff -v output',
  );
  t.notOk(install.output.includes('PRIVATE KEY'), 'no PEM private key header in the output');

  const kubespray = path.join(work, 'kubespray');
  writeStandInKubespray(kubespray, { record, etcdClientPort: etcdClient });
  const recorded = () => (existsSync(record) ? readFileSync(record, 'utf8').trim().split('\n').filter(Boolean) : []);
  const base = [
    '-i',
    inventory,
    PLAYBOOK,
    '-e',
    `kubespray_dir=${kubespray}`,
    '-e',
    `node=${NODE}`,
    '-e',
    'skip_confirmation=true',
    '-e',
    'kubesweep_become=false',
    '-e',
    'kubesweep_grace=1',
  ];
  const remove = (...more: string[]) => run([...base, ...more], { cwd: kubespray, env });
  const podCount = async () => (await cri.listPodSandbox()).length;
  const seeded = await podCount();

  await t.test('a remove_node.yml with one more play fails before anything changes, naming it', async (t) => {
    const drifted = path.join(work, 'kubespray-drifted');
    writeStandInKubespray(drifted, {
      record,
      etcdClientPort: etcdClient,
      extraPlays: '- name: Upgrade something new\n  hosts: all\n  gather_facts: false\n  tasks: []\n',
    });
    const r = await run([...base.slice(0, 3), '-e', `kubespray_dir=${drifted}`, ...base.slice(5)], { cwd: drifted, env });
    t.not(r.code, 0, 'fails');
    t.match(
      r.output,
      /differs from the Kubespray remove_node\.yml .*play 7 is one more than expected: play \\?"Upgrade something new/s,
      'names the play',
    );
    t.match(r.output, /kubesweep_ignore_drift=true/, 'names the way to proceed anyway');
    t.same(recorded(), [], 'no Kubespray role ran');
    t.equal(await podCount(), seeded, 'no pod removed');
  });

  await t.test('the agent stopped: the play fails in the pre-flight, before the drain', async (t) => {
    t.equal(sh('systemctl stop kubesweep-agent').code, 0);
    t.teardown(() => void sh('systemctl start kubesweep-agent'));
    const r = await remove();
    t.not(r.code, 0, 'fails');
    t.match(
      r.output,
      new RegExp(
        `${NODE}: the kubesweep agent does not answer at unix:///run/kubesweep/agent\\.sock .*Nothing was changed\\. Fix: install and start it`,
        's',
      ),
      'names the node and the fix',
    );
    t.same(recorded(), [], 'not drained');
    t.equal(unitState('kubelet.service'), 'active enabled', 'the kubelet untouched');
    t.equal(sh('systemctl start kubesweep-agent').code, 0);
    await waitFor('agent answers', async () => sh('kubesweep --json info').code === 0);
  });

  await t.test('kubesweep_instead_of_reset=true on a host-mode etcd member: refused in the pre-flight, saying why', async (t) => {
    const r = await remove('-e', 'kubesweep_instead_of_reset=true');
    t.not(r.code, 0, 'fails');
    t.match(
      r.output,
      new RegExp(`${NODE} is a host-mode etcd member .*Nothing was changed\\. +Fix: leave kubesweep_instead_of_reset unset`, 's'),
      'names the node, why and the fix',
    );
    t.same(recorded(), [], 'not drained');
    t.equal(await podCount(), seeded, 'no pod removed');
  });

  await t.test('--check: a dry run that prints the plan and changes nothing', async (t) => {
    const r = await remove('--check');
    t.equal(r.code, 0, 'exit 0', { output: r.output.slice(-4000) });
    t.match(r.output, new RegExp(`${NODE}: dry run, \\d+ actions planned, nothing changed`), 'says so');
    t.match(r.output, /stop-kubelet: stop-unit kubelet\.service/, 'the plan is printed');
    t.match(r.output, /remove-pods: \S+ .*nginx-proxy/, 'with the pods it would remove');
    t.same(
      changedTasks(r.output).filter((x) => x.startsWith('kubesweep')),
      [],
      'no kubesweep task reports changed',
    );
    t.equal(await podCount(), seeded, 'no pod removed');
    t.equal(unitState('kubelet.service'), 'active enabled', 'the kubelet still runs');
    t.same(recorded(), [], 'no Kubespray role ran for real');
  });

  await t.test(
    '--tags kubesweep runs kubesweep (only): what the reset role would stop is reported, the final verification fails',
    async (t) => {
      const r = await remove('--tags', 'kubesweep');
      t.same(recorded(), [], 'no Kubespray role ran');
      t.equal(await podCount(), 0, "kubesweep's reset ran: no pod left");
      t.match(r.output, new RegExp(`${NODE}: left for Kubespray's reset role:`), 'reports what is left for the reset role');
      t.match(
        r.output,
        new RegExp(`tcp 127\\.0\\.0\\.1:${etcdClient} held by pid \\d+ \\([^)]*etcd-standin[^)]*\\), unit etcd\\.service`),
        'etcd: port, pid, unit',
      );
      t.match(r.output, /unit kubelet\.service is enabled/, 'the enabled kubelet unit');
      t.match(
        r.output,
        new RegExp(`${NODE}: verified clean in [\\d.]+ s .*except \\d+ item\\(s\\) left for Kubespray's reset role`),
        "kubesweep's own part passes",
      );
      t.not(r.code, 0, 'the final verification fails: the reset role did not run');
      t.match(
        r.output,
        new RegExp(
          `${NODE} is NOT clean after Kubespray's reset role, so it is not deleted from the cluster: .*127\\.0\\.0\\.1:${etcdClient} held by pid`,
          's',
        ),
        'naming what is left',
      );
      t.equal(unitState('kubelet.service'), 'inactive enabled', 'kubesweep stopped the kubelet, left its unit to the reset role');
      t.match(unitState('etcd.service'), /^(active|activating) enabled$/, "etcd is the reset role's");
    },
  );

  await t.test('the full flow on a default node: drained, etcd member removed, kubesweep, reset role, verified, deleted', async (t) => {
    await seed();
    t.equal(sh('systemctl start kubelet.service').code, 0);
    await waitFor(`port ${kubeletPort} held`, async () => !(await canBind(kubeletPort)));
    const r = await remove();
    t.equal(r.code, 0, 'exit 0', { output: r.output.slice(-6000) });
    t.same(
      recorded(),
      [`drain ${NODE}`, `remove-etcd-member ${NODE}`, `reset ${NODE}`, `delete-node ${NODE}`],
      'every Kubespray step, in order',
    );
    const at = (s: string) => taskIndex(r.output, s);
    t.ok(at('TASK [kubesweep : Pre-flight | Ask the agent') < at('TASK [remove_node/pre_remove'), 'pre-flight before the drain');
    t.ok(
      at('TASK [remove-node/remove-etcd-node') < at('TASK [kubesweep : Reset the node through its kubesweep agent]'),
      'kubesweep after the etcd member removal',
    );
    t.ok(
      at('TASK [kubesweep : Reset the node through its kubesweep agent]') < at('TASK [reset : Reset | stop services]'),
      'kubesweep before the reset role',
    );
    t.ok(
      at('TASK [reset : Reset | stop services]') < at('TASK [kubesweep : Final verification | Are the Kubernetes ports free?'),
      'the final verification after the reset role',
    );
    t.ok(at('TASK [kubesweep : Final verification | Passed]') < at('TASK [remove-node/post-remove'), 'and before "Delete node"');
    t.ok(changedTasks(r.output).includes('kubesweep : Report'), 'kubesweep reports changed: it removed the pods');
    t.match(r.output, new RegExp(`${NODE}: final verification clean: no Kubernetes port held`), 'verified clean at the end');
    t.equal(await podCount(), 0, 'no sandbox left');
    for (const p of [ports.api, ports.proxyMetrics, etcdClient, etcdPeer, kubeletPort]) t.ok(await canBind(p), `port ${p} free`);
    t.equal(unitState('kubelet.service'), 'inactive disabled', 'kubelet stopped and disabled');
    t.equal(unitState('etcd.service'), 'inactive disabled', 'etcd stopped and disabled');
    t.equal(unitState('decoy.service'), 'active enabled', 'a unit kubesweep does not own is untouched');
    t.equal(sh('systemctl is-active kubesweep-agent').stdout.trim(), 'active', 'the agent still runs');
  });

  await t.test('a second run changes nothing', async (t) => {
    const before = recorded().length;
    const r = await remove();
    t.equal(r.code, 0, 'exit 0', { output: r.output.slice(-4000) });
    t.match(r.output, new RegExp(`${NODE}\\s*: ok=\\d+\\s+changed=0\\s`), 'changed=0');
    t.same(recorded().slice(before), [`drain ${NODE}`, `reset ${NODE}`, `delete-node ${NODE}`], 'no etcd member left to remove');
  });

  await t.test('reset_nodes=false allow_ungraceful_removal=true on an unreachable node: deleted, nothing of kubesweep runs', async (t) => {
    const before = recorded().length;
    const r = await run(
      [...base.slice(0, 5), '-e', 'node=deadnode', ...base.slice(7), '-e', 'reset_nodes=false', '-e', 'allow_ungraceful_removal=true'],
      { cwd: kubespray, env },
    );
    t.equal(r.code, 0, 'exit 0', { output: r.output.slice(-4000) });
    t.same(recorded().slice(before), ['drain deadnode', 'delete-node deadnode'], 'drained (ungracefully) and deleted');
    const ran = ['ok', 'changed', 'fatal', 'failed'].flatMap((st) => tasksWith(r.output, st, 'deadnode'));
    t.same(
      ran.filter((x) => x.startsWith('kubesweep : ') && !x.startsWith('kubesweep : Drift')),
      [],
      'no kubesweep task ran for it (each one skipped)',
    );
    t.match(r.output, /deadnode\s*: ok=\d+\s+changed=0\s+unreachable=0\s+failed=0/, 'never connected to');
  });
  t.comment(`wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
