// The .deb (scripts/build/deb.ts) on a Debian root without Node.js, under a real systemd
// (systemd-nspawn): install starts nothing and never resets; the installed units pass
// systemd-analyze verify; the agent unit and the reset unit reset the testbed to clean; an
// upgrade keeps the edited config (a conffile), restarts the running agent and resets nothing;
// purge stops the agent and removes program, units, config and enablement, but never
// /var/lib/kubesweep (the manifest backups).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../agent/shared/paths';
import { buildDeb, debVersion } from '../../../scripts/build/deb';
import { NspawnMachine } from '../../../scripts/testbed/nspawn';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { buildShipped } from '../../helpers/ship';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';

const NODE = 'ks-deb-node';
const VERSION = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version as string;

t.test('install, verify, reset, upgrade and purge the .deb on a node without Node.js', async (t) => {
  const shipped = await buildShipped(t);
  const debs = path.join(shipped.dir, 'debs');
  const v1 = buildDeb({ sea: shipped.sea, arch: shipped.arch, outDir: debs, fast: true });
  const v2 = buildDeb({ sea: shipped.sea, arch: shipped.arch, outDir: debs, fast: true, version: `${v1.version}+upgrade1` });

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
    name: 'calico-node-d1',
    kind: 'daemonset',
    hostNetwork: false,
    containers: [{ name: 'calico-node', command: commands.ignoreTerm() }],
  });
  await waitFor(`port ${port} held`, async () => !(await canBind(port)));
  const manifests = path.join(tb.scratch, 'manifests');
  mkdirSync(manifests);
  writeFileSync(path.join(manifests, 'nginx-proxy.yml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx-proxy\n');

  const vm = await NspawnMachine.boot({ binds: [{ host: debs, container: '/debs', readOnly: true }, { host: tb.dir }] });
  t.teardown(() => vm.shutdown());
  const sh = (cmd: string) => vm.exec(['bash', '-c', cmd]);
  const deb = (f: string) => `/debs/${path.basename(f)}`;
  t.not(sh('command -v node || command -v nodejs').code, 0, 'no node in the container');

  // ---- install
  const inst = sh(`dpkg -i ${deb(v1.file)}`);
  t.equal(inst.code, 0, 'dpkg -i', { out: inst.stdout + inst.stderr });
  t.match(inst.stdout, /set nodeName .* then: systemctl enable --now kubesweep-agent\.service/, 'postinst says what to do next');
  t.equal(sh('kubesweep --version').stdout.trim(), VERSION, 'kubesweep --version');
  t.equal(sh('kubesweep-agent --version').stdout.trim(), VERSION, 'kubesweep-agent --version');
  t.equal(sh('readlink -f /usr/bin/kubesweep-agent').stdout.trim(), '/usr/lib/kubesweep/kubesweep');
  t.match(
    sh("dpkg-query -W -f='${Conffiles}' kubesweep").stdout,
    /\/etc\/kubesweep\/config\.yaml [0-9a-f]{32}/,
    'the config is a conffile',
  );
  t.equal(sh('systemctl is-active kubesweep-agent.service').stdout.trim(), 'inactive', 'installing starts no agent');
  t.equal(sh('systemctl is-enabled kubesweep-agent.service').stdout.trim(), 'disabled', 'nor enables it');
  t.equal((await cri.listPodSandbox()).length, 2, 'nothing was reset');
  const verify = sh('systemd-analyze verify /lib/systemd/system/kubesweep-agent.service /lib/systemd/system/kubesweep-reset.service');
  t.equal(verify.code, 0, 'systemd-analyze verify on the installed units', { out: verify.stdout + verify.stderr });
  t.equal(verify.stderr.trim(), '', 'without a warning');
  const unitExec = sh(
    "grep -h '^ExecStart=' /lib/systemd/system/kubesweep-agent.service /lib/systemd/system/kubesweep-reset.service",
  ).stdout;
  t.match(unitExec, /^ExecStart=\/usr\/bin\/kubesweep-agent --config/m, 'the agent unit runs the single file as kubesweep-agent');
  t.match(unitExec, /^ExecStart=\/usr\/bin\/kubesweep --agent/m, 'the reset unit runs it as kubesweep');

  // ---- configure, start, reset
  const config = [
    `nodeName: ${NODE}`,
    `criEndpoint: ${tb.endpoint}`,
    `containerdDirs: [${tb.root}, ${tb.state}]`,
    `manifestsDir: ${manifests}`,
    `netnsDirs: [${tb.netnsDir}]`,
    'kubeletUnit: ""',
    // The container shares the machine's network namespace: no link is this test's to delete.
    'linkPatterns: []',
    `kubeletDir: ${tb.scratch}/kubelet`,
    `cniIpamDirs: [${tb.ipamDir}]`,
    'httpListen: ""',
    `expectFreePorts: [${port}]`,
    'graceSeconds: 1',
    '',
  ].join('\n');
  vm.writeFile('/etc/kubesweep/config.yaml', config);
  t.equal(sh('kubesweep-agent --config /etc/kubesweep/config.yaml --check-config').code, 0, 'the config checks');
  const start = sh('systemctl enable --now kubesweep-agent.service');
  t.equal(start.code, 0, 'systemctl enable --now kubesweep-agent', { err: start.stderr });
  await waitFor('agent socket', () => sh('test -S /run/kubesweep/agent.sock').code === 0, 60_000);
  t.not(sh('systemctl start kubesweep-reset.service').code, 0, 'the reset unit refuses without reset.env');
  t.equal((await cri.listPodSandbox()).length, 2, 'and touches nothing');
  vm.writeFile('/etc/kubesweep/reset.env', `KUBESWEEP_NODE=${NODE}\n`);
  const reset = sh('systemctl start kubesweep-reset.service');
  t.equal(reset.code, 0, 'systemctl start kubesweep-reset: verified clean', {
    journal: sh('journalctl -u kubesweep-reset -u kubesweep-agent --no-pager -o cat | tail -30').stdout,
  });
  t.same(await cri.listPodSandbox(), [], 'no sandbox left');
  t.ok(await canBind(port), 'port free');
  t.same(readdirSync(manifests), [], 'manifests removed');
  const resetsRun = (): number => Number(sh(`grep -c '"type":"started"' /var/lib/kubesweep/journal || true`).stdout.trim() || 0);
  const runsAfterReset = resetsRun();
  t.ok(runsAfterReset >= 1, 'the reset is in the journal');
  const pid1 = sh('systemctl show -p MainPID --value kubesweep-agent').stdout.trim();

  // ---- upgrade: config kept, agent restarted, no reset
  const up = sh(`dpkg -i --force-confdef --force-confold ${deb(v2.file)}`);
  t.equal(up.code, 0, 'dpkg -i (upgrade)', { out: up.stdout + up.stderr });
  t.equal(
    sh("dpkg-query -W -f='${Version}' kubesweep").stdout.trim(),
    debVersion(`${v1.version}+upgrade1`),
    'the new version is installed',
  );
  t.equal(sh('cat /etc/kubesweep/config.yaml').stdout, config, 'the edited config is kept');
  await waitFor(
    'agent back after upgrade',
    () => sh('systemctl is-active kubesweep-agent').stdout.trim() === 'active' && sh('test -S /run/kubesweep/agent.sock').code === 0,
    60_000,
  );
  const pid2 = sh('systemctl show -p MainPID --value kubesweep-agent').stdout.trim();
  t.not(pid2, pid1, 'the running agent was restarted onto the new program');
  t.equal(sh('kubesweep info --json').code, 0, 'and answers');
  t.equal(resetsRun(), runsAfterReset, 'the upgrade ran no reset');

  // ---- purge
  const purge = sh('dpkg --purge kubesweep');
  t.equal(purge.code, 0, 'dpkg --purge', { out: purge.stdout + purge.stderr });
  t.match(purge.stdout, /kept \/var\/lib\/kubesweep/);
  t.equal(sh('systemctl is-active kubesweep-agent').stdout.trim(), 'inactive', 'the agent is stopped');
  t.not(
    sh('test -e /usr/bin/kubesweep || test -e /usr/lib/kubesweep || test -e /lib/systemd/system/kubesweep-agent.service').code,
    0,
    'program and units are gone',
  );
  t.not(sh('test -e /etc/kubesweep').code, 0, 'config, reset.env and the config dir are gone');
  t.not(sh('test -e /etc/systemd/system/multi-user.target.wants/kubesweep-agent.service').code, 0, 'the enablement link is gone');
  t.equal(sh('ls /var/lib/kubesweep/backups | wc -l').stdout.trim(), '1', 'the manifest backup is kept');
});
