// The single executable runs on a node that has no Node.js: a Debian root (systemd-nspawn,
// systemd as PID 1) with no node binary anywhere, only the one file bound in. There it is the
// agent (under systemd, invoked as kubesweep-agent) and the client, and resets the testbed's
// Kubespray-shaped residue to clean.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../agent/shared/paths';
import { bundle } from '../../../scripts/build/bundle';
import { buildSea, SEA_FUSE } from '../../../scripts/build/sea';
import { NspawnMachine } from '../../../scripts/testbed/nspawn';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { buildShipped } from '../../helpers/ship';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';

const NODE = 'ks-sea-node';
const version = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version as string;

t.test('the single executable resets a node that has no Node.js', async (t) => {
  const shipped = await buildShipped(t);
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
    name: 'kube-proxy-s1',
    kind: 'daemonset',
    hostNetwork: false,
    containers: [{ name: 'kube-proxy', command: commands.ignoreTerm() }],
  });
  await waitFor(`port ${port} held`, async () => !(await canBind(port)));

  const vm = await NspawnMachine.boot({
    binds: [{ host: shipped.sea, container: '/usr/local/bin/kubesweep', readOnly: true }, { host: tb.dir }],
  });
  t.teardown(() => vm.shutdown());
  const sh = (cmd: string) => vm.exec(['bash', '-c', cmd]);

  t.not(sh('command -v node || command -v nodejs || ls /usr/bin/node /usr/local/bin/node').code, 0, 'there is no node in the container');
  t.equal(sh('kubesweep --version').stdout.trim(), version, 'kubesweep --version');
  t.equal(
    sh('ln -s kubesweep /usr/local/bin/kubesweep-agent && kubesweep-agent --version').stdout.trim(),
    version,
    'kubesweep-agent (a symlink) --version',
  );
  const libs = sh('ldd /usr/local/bin/kubesweep').stdout;
  t.notMatch(libs, /not found/, 'every shared library it links is on the base system');

  const agentArgs = [
    `--node-name ${NODE}`,
    `--cri-endpoint ${tb.endpoint}`,
    `--containerd-dir ${tb.root}`,
    `--containerd-dir ${tb.state}`,
    `--manifests-dir ${tb.scratch}/manifests`,
    `--netns-dir ${tb.netnsDir}`,
    '--kubelet-unit ""',
    `--expect-free-ports ${port}`,
    '--http-listen ""',
    // The container shares the machine's network namespace: no link is this test's to delete.
    '--link-pattern ""',
    `--kubelet-dir ${tb.scratch}/kubelet`,
    `--cni-ipam-dir ${tb.ipamDir}`,
  ].join(' ');
  const start = sh(
    `mkdir -p ${tb.scratch}/manifests && systemd-run --unit ks-agent --property RuntimeDirectory=kubesweep --property RuntimeDirectoryMode=0700 /usr/local/bin/kubesweep-agent ${agentArgs}`,
  );
  t.equal(start.code, 0, 'the agent starts under systemd', { stderr: start.stderr });
  await waitFor('agent socket in the container', () => sh('test -S /run/kubesweep/agent.sock').code === 0, 60_000);

  const ports = sh('kubesweep --json ports');
  t.equal(ports.code, 0, 'kubesweep --json ports', { stderr: ports.stderr });
  t.ok(
    JSON.parse(ports.stdout).listeners.some((l: { port: number }) => l.port === port),
    'the held port is listed',
  );
  const reset = sh(`kubesweep reset --confirm ${NODE} --grace 1`);
  t.equal(reset.code, 0, 'kubesweep reset: verified clean', {
    stdout: reset.stdout.slice(-3000),
    stderr: reset.stderr,
    journal: sh('journalctl -u ks-agent --no-pager -o cat | tail -20').stdout,
  });
  t.same(await cri.listPodSandbox(), [], 'no sandbox left in the testbed');
  t.ok(await canBind(port), `port ${port} free again`);
  t.equal(sh('systemctl stop ks-agent; systemctl show -p Result --value ks-agent').stdout.trim(), 'success', 'SIGTERM stops it cleanly');
});

t.test('the arm64 file (which cannot run here) is an aarch64 Node carrying the blob', async (t) => {
  const dir = mkdtempSync('/tmp/ksarm-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const b = await bundle({ outFile: path.join(dir, 'kubesweep.js') });
  const out = path.join(dir, 'kubesweep-linux-arm64');
  await buildSea({ arch: 'arm64', bundleFile: b.file, outFile: out, useCodeCache: false });
  const bin = readFileSync(out);
  t.equal(bin.subarray(0, 4).toString('latin1'), '\x7fELF', 'an ELF file');
  t.equal(bin.readUInt16LE(18), 183, 'e_machine EM_AARCH64');
  t.ok(bin.includes(`${SEA_FUSE}:1`), 'the SEA fuse is flipped (Node runs the injected blob)');
  t.ok(bin.includes('kubesweep-agent ready'), 'the bundle is inside');
});
