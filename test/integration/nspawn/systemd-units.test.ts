// The units run for real: systemd boots as PID 1 of a systemd-nspawn container (sharing the
// host network, seeing the testbed through a bind mount), kubesweep is installed there with
// scripts/install.sh, the agent starts as kubesweep-agent.service under its hardening, and
// `systemctl start kubesweep-reset` resets the testbed's Kubespray-shaped residue. The running
// agent's capabilities, seccomp and mount namespace are checked against its unit file, and a
// probe under a copy of the unit tries what the sandbox denies (test/helpers/agent-sandbox-check.ts).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../agent/shared/paths';
import { NspawnMachine } from '../../../scripts/testbed/nspawn';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { checkRunningAgentSandbox, checkUnitSandboxBehaviour } from '../../helpers/agent-sandbox-check';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';

const NODE = 'ks-nspawn-node';

t.test('kubesweep-agent.service and kubesweep-reset.service under a real systemd', async (t) => {
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
    name: 'calico-node-x1',
    kind: 'daemonset',
    hostNetwork: false,
    containers: [{ name: 'calico-node', command: commands.ignoreTerm() }],
  });
  await waitFor(`port ${port} held`, async () => !(await canBind(port)));

  const manifests = path.join(tb.scratch, 'manifests');
  mkdirSync(manifests);
  const manifestText = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx-proxy\n  namespace: kube-system\n';
  writeFileSync(path.join(manifests, 'nginx-proxy.yml'), manifestText);

  const root = packageRoot();
  const vm = await NspawnMachine.boot({
    binds: [
      { host: root, container: '/src', readOnly: true },
      { host: process.execPath, container: '/usr/bin/node', readOnly: true },
      { host: tb.dir },
    ],
  });
  t.teardown(() => vm.shutdown());
  const sh = (cmd: string) => vm.exec(['bash', '-c', cmd]);

  const install = sh('bash /src/scripts/install.sh --node /usr/bin/node');
  t.equal(install.code, 0, `install.sh inside the container: ${install.stderr}`);
  vm.writeFile(
    '/etc/kubesweep/config.yaml',
    [
      `nodeName: ${NODE}`,
      `criEndpoint: ${tb.endpoint}`,
      `containerdDirs: [${tb.root}, ${tb.state}]`,
      `manifestsDir: ${manifests}`,
      `netnsDirs: [${tb.netnsDir}]`,
      // The container shares the machine's network namespace: no link is this test's to delete.
      'linkPatterns: []',
      `kubeletDir: ${tb.scratch}/kubelet`,
      `cniIpamDirs: [${tb.ipamDir}]`,
      'kubeletUnit: kubelet.service',
      'httpListen: ""',
      `expectFreePorts: [${port}]`,
      'graceSeconds: 2',
      '',
    ].join('\n'),
  );
  // A stand-in kubelet: the reset must stop it first so it cannot restart static pods.
  vm.writeFile('/etc/systemd/system/kubelet.service', '[Service]\nExecStart=/bin/sleep infinity\n');
  t.equal(sh('systemctl daemon-reload && systemctl start kubelet.service').code, 0, 'stand-in kubelet started');

  const start = sh('systemctl start kubesweep-agent.service');
  t.equal(start.code, 0, `agent unit starts: ${start.stderr}`);
  await waitFor('agent socket', () => sh('test -S /run/kubesweep/agent.sock').code === 0, 30_000);
  t.equal(sh('stat -c %a /run/kubesweep').stdout.trim(), '700', 'socket dir is 0700');
  t.equal(sh('stat -c %a /run/kubesweep/agent.sock').stdout.trim(), '600', 'socket is 0600');
  // The running agent's capabilities and sandbox, from inside, against its unit file.
  checkRunningAgentSandbox(t, vm);

  // No reset.env: the reset unit refuses before doing anything.
  const refused = sh('systemctl start kubesweep-reset.service');
  t.not(refused.code, 0, 'reset unit without /etc/kubesweep/reset.env fails');
  t.equal((await cri.listPodSandbox()).length, 2, 'and nothing was touched');
  t.equal(sh('systemctl is-active kubelet.service').stdout.trim(), 'active', 'kubelet still running');

  vm.writeFile('/etc/kubesweep/reset.env', `KUBESWEEP_NODE=${NODE}\n`);
  const reset = sh('systemctl start kubesweep-reset.service');
  const journal = sh('journalctl -u kubesweep-reset.service --no-pager -o cat').stdout;
  t.equal(reset.code, 0, `systemctl start kubesweep-reset succeeds (node verified clean)\n${journal.slice(-3000)}`);
  t.equal(sh('systemctl show -p Result --value kubesweep-reset.service').stdout.trim(), 'success');
  t.match(journal, /clean/, 'the unit journal reports the verdict');
  t.equal(sh('systemctl is-active kubelet.service').stdout.trim(), 'inactive', 'kubelet was stopped first');

  t.same(await cri.listPodSandbox(), [], 'no sandbox left in the testbed');
  t.ok(await canBind(port), `port ${port} free again`);
  t.same(readdirSync(manifests), [], 'manifests dir emptied');
  const backups = sh('ls /var/lib/kubesweep/backups').stdout.trim().split('\n').filter(Boolean);
  t.equal(backups.length, 1, 'one backup in the agent state dir');
  const backedUp = sh(`cat /var/lib/kubesweep/backups/${backups[0]}/nginx-proxy.yml`).stdout;
  t.equal(
    createHash('sha256').update(backedUp).digest('hex'),
    createHash('sha256').update(manifestText).digest('hex'),
    'the manifest is in the backup byte-identical',
  );

  // kubelet-unit: an enabled kubelet comes back at boot and re-registers the node. Not asked,
  // it is reported as residue and left; asked (--with kubelet-unit), the agent disables it.
  vm.writeFile('/etc/systemd/system/kubelet.service', '[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n');
  t.equal(sh('systemctl daemon-reload && systemctl enable kubelet.service').code, 0, 'stand-in kubelet enabled');
  const flagged = sh(`kubesweep --json reset --confirm ${NODE}`);
  t.equal(flagged.code, 1, `an enabled kubelet makes the node not clean: ${flagged.stderr}`);
  t.ok(
    (JSON.parse(flagged.stdout).verification?.residue ?? []).some((r: { kind: string }) => r.kind === 'kubelet-unit'),
    'residue kind kubelet-unit',
  );
  t.equal(sh('systemctl is-enabled kubelet.service').stdout.trim(), 'enabled', 'and it is left enabled');
  const disabled = sh(`kubesweep --json reset --confirm ${NODE} --with kubelet-unit`);
  const step = (JSON.parse(disabled.stdout).steps ?? []).find((x: { name: string }) => x.name === 'kubelet-unit');
  t.equal(disabled.code, 0, `reset --with kubelet-unit: verified clean ${JSON.stringify(step)} ${disabled.stderr}`);
  t.equal(step?.items?.[0]?.outcome, 'done', 'the step disabled it');
  t.equal(sh('systemctl is-enabled kubelet.service').stdout.trim(), 'disabled', 'kubelet.service is disabled');

  const stop = sh('systemctl stop kubesweep-agent.service; systemctl show -p Result --value kubesweep-agent.service');
  t.equal(stop.stdout.trim(), 'success', 'SIGTERM stops the agent cleanly');
  // What the unit's sandbox denies and leaves, tried by a probe under a copy of the unit.
  checkUnitSandboxBehaviour(t, vm, '/src/test/fixtures/systemd/sandbox-probe.sh');
});
