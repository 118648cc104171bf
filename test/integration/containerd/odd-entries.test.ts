// Odd entries in every cleaned dir (issue #21), on the seed residue: in the manifests dir, the
// netns dir, a host-local IPAM network dir, libcni's cache dir, the kubelet's pods/ and the CNI
// conf dir, all at once: a symlink to a file outside, a symlink to a dir outside, a symlink loop,
// a FIFO, a bind mount of an outside file and one of an outside dir. And in the same run, an
// entry of each dir that the plan saw as a plain one is swapped for a symlink right before its
// step acts (a netns file for a link to a mount point outside). One testbed, one reset: every
// outside target keeps its bytes (and its mount), the pods are gone and the ports free, the run
// is not aborted, its plan is its dry run's, and the verdict names each entry it left, with why.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { readMountinfo } from '../../../agent/daemon/host/mountinfo';
import { readBackupIndex } from '../../../agent/daemon/sweep/backup';
import { Testbed } from '../../../scripts/testbed/testbed';
import { seedResidue } from '../../../scripts/testbed/seed';
import { resetWithPlanCheck } from '../../helpers/plan-check';
import { testbedConfig, testbedSweeper, treeState } from '../../helpers/sweep';
import { canBind, freePort, waitFor } from '../../helpers/testbed';

const TAGS = ['link-file', 'link-dir', 'link-loop', 'fifo', 'bind-file', 'bind-dir'] as const;
type Tag = (typeof TAGS)[number];
const DEAD_ID = 'd'.repeat(64);

const isMounted = (p: string) => readMountinfo().some((m) => m.mountPoint === p);
const exists = (p: string) => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

t.test('odd entries in every cleaned dir: none followed, each reported, the rest of the reset runs', async (t) => {
  const tb = await Testbed.start({ log: (m) => t.comment(m) });
  // Our mounts go first (even on failure), then the testbed: never a bind mount left under scratch.
  const mounts: string[] = [];
  t.teardown(async () => {
    for (const m of mounts.reverse()) if (isMounted(m)) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    const r = await tb.teardown();
    if (r.problems.length) t.comment(`testbed teardown problems: ${r.problems.join('; ')}`);
  });
  const mount = (args: string[], at: string) => {
    execFileSync('mount', [...args, at]);
    mounts.push(at);
  };

  const cri = tb.cri();
  const ports = { api: await freePort(), proxyMetrics: await freePort() };
  const config = testbedConfig(tb, {
    expectFreePorts: [ports.api, ports.proxyMetrics],
    // The machine's libcni cache is never a test's to plant in: a cache dir of the test's own.
    cniCacheDir: path.join(tb.scratch, 'cni-cache'),
  });
  await seedResidue(cri, tb, config.manifestsDir, ports);
  await waitFor('the seed holds its ports', async () => !(await canBind(ports.api)) && !(await canBind(ports.proxyMetrics)), 30_000);

  // What lies outside every cleaned dir, and must keep its bytes (and its mount).
  const outside = path.join(tb.scratch, 'outside');
  mkdirSync(path.join(outside, 'dir'), { recursive: true });
  const secret = path.join(outside, 'secret');
  writeFileSync(secret, 'outside bytes\n');
  writeFileSync(path.join(outside, 'dir', 'inner'), 'inner bytes\n');
  writeFileSync(path.join(outside, 'reservation'), `${DEAD_ID}\r\neth0`);
  const outsideMnt = path.join(tb.scratch, 'outside-mnt');
  mkdirSync(outsideMnt);
  mount(['-t', 'tmpfs', 'tmpfs'], outsideMnt);
  writeFileSync(path.join(outsideMnt, 'keep'), 'mounted bytes\n');

  const network = readdirSync(tb.ipamDir).find((n) => !n.startsWith('.'))!;
  t.ok(network, `the seed's pods hold IPAM reservations (${network})`);
  const kubeletPods = path.join(config.kubeletDir, 'pods');
  mkdirSync(kubeletPods, { recursive: true });
  mkdirSync(config.cniCacheDir, { recursive: true });
  mkdirSync(path.join(tb.ipamDir, 'odd-net'));
  const dirs: Record<string, { dir: string; name: (tag: Tag, i: number) => string }> = {
    manifests: { dir: config.manifestsDir, name: (tag) => `odd-${tag}.yaml` },
    netns: { dir: tb.netnsDir, name: (tag) => `cni-odd-${tag}` },
    // A network dir of its own: host-local's DEL reads every file of its network's dir, and
    // blocks on a FIFO there (the CNI fallback then saves the reset, after the CRI deadline).
    ipam: { dir: path.join(tb.ipamDir, 'odd-net'), name: (_tag, i) => `10.254.0.${i + 1}` },
    'cni-cache': { dir: config.cniCacheDir, name: (tag) => `k8s-pod-network-odd-${tag}-eth0` },
    'kubelet-pods': { dir: kubeletPods, name: (tag) => `odd-${tag}` },
    // No .conf/.conflist/.json suffix: containerd's libcni reads those (and would block on a FIFO).
    'cni-config': { dir: tb.cniConfDir, name: (tag) => `calico-odd-${tag}` },
  };
  const planted: Record<string, Record<Tag, string>> = {};
  for (const [where, d] of Object.entries(dirs)) {
    planted[where] = {} as Record<Tag, string>;
    TAGS.forEach((tag, i) => {
      const p = path.join(d.dir, d.name(tag, i));
      planted[where][tag] = p;
      if (tag === 'link-file') symlinkSync(secret, p);
      if (tag === 'link-dir') symlinkSync(path.join(outside, 'dir'), p);
      if (tag === 'link-loop') symlinkSync(p, p);
      if (tag === 'fifo') execFileSync('mkfifo', [p]);
      if (tag === 'bind-file') {
        writeFileSync(p, '');
        mount(['--bind', secret], p);
      }
      if (tag === 'bind-dir') {
        mkdirSync(p);
        mount(['--bind', path.join(outside, 'dir')], p);
      }
    });
  }
  // Plain entries the plan sees as such, each swapped for a symlink right before its step acts.
  const swaps: Record<string, { path: string; to: string }> = {
    'backup-manifests': { path: path.join(config.manifestsDir, 'swap.yaml'), to: secret },
    'remove-netns': { path: path.join(tb.netnsDir, 'cni-swap'), to: outsideMnt },
    ipam: { path: path.join(tb.ipamDir, 'odd-net', '10.254.0.99'), to: path.join(outside, 'reservation') },
    'kubelet-mounts': { path: path.join(kubeletPods, 'swap-uid'), to: path.join(outside, 'dir') },
    'cni-config': { path: path.join(tb.cniConfDir, 'calico-swap'), to: secret },
  };
  writeFileSync(swaps['backup-manifests'].path, 'apiVersion: v1\nkind: Pod\n');
  writeFileSync(swaps['remove-netns'].path, '');
  writeFileSync(swaps.ipam.path, `${DEAD_ID}\r\neth0`);
  mkdirSync(swaps['kubelet-mounts'].path);
  writeFileSync(path.join(swaps['kubelet-mounts'].path, 'f'), 'pod data\n');
  writeFileSync(swaps['cni-config'].path, '{"name":"k8s-pod-network"}\n');

  const before = { outside: treeState(outside), mnt: treeState(outsideMnt) };
  const { sweeper } = testbedSweeper(cri, config);
  const t0 = Date.now();
  const report = await resetWithPlanCheck(
    t,
    sweeper,
    { scope: 'all', requestedBy: 'test', withKinds: ['cni-config'] },
    {
      allowSkips: [/changed since the plan/, /no longer a plain file/],
      onEvent: (e) => {
        const s = e.type === 'step-started' ? swaps[e.step] : undefined;
        if (!s) return;
        if (lstatSync(s.path).isDirectory()) {
          rmSync(s.path, { recursive: true });
          symlinkSync(s.to, s.path);
        } else {
          symlinkSync(s.to, `${s.path}.swap`);
          renameSync(`${s.path}.swap`, s.path); // another inode, in one step
        }
      },
    },
  ).catch(async (err: Error) => {
    t.fail(`reset threw: ${err.message}`);
    throw err;
  });
  t.comment(
    `reset with ${Object.keys(dirs).length * TAGS.length} odd entries and ${Object.keys(swaps).length} swaps: ${Date.now() - t0} ms`,
  );

  t.equal(report.aborted, undefined, 'the run was not aborted');
  t.same(treeState(outside), before.outside, 'every target outside keeps its bytes');
  t.ok(isMounted(outsideMnt), 'the outside mount a netns symlink was swapped to is still mounted');
  t.same(treeState(outsideMnt), before.mnt, 'with its bytes');
  const residue = report.verification?.residue ?? [];
  t.same(
    residue.filter((r) => ['port', 'sandbox', 'container', 'shim'].includes(r.kind)),
    [],
    'the rest of the reset ran: no pod, container or shim left, the ports free',
  );
  t.ok((await canBind(ports.api)) && (await canBind(ports.proxyMetrics)), 'the seed ports bind again');
  t.equal(report.verification?.verdict, 'residue', 'what stays is residue (exit 1), not a refusal (exit 2)');
  const named = new Map(residue.map((r) => [r.target, r.why]));

  // Manifests and CNI config: symlinks backed up as links and removed; the rest left, named.
  for (const where of ['manifests', 'cni-config']) {
    for (const tag of ['link-file', 'link-dir', 'link-loop'] as const)
      t.notOk(exists(planted[where][tag]), `${where}: the ${tag} symlink is removed (the link, not its target)`);
    t.match(named.get(planted[where].fifo), /a fifo.*left in place/, `${where}: the FIFO is residue, with why`);
    t.match(named.get(planted[where]['bind-file']), /a mount .*left in place/, `${where}: the bind-mounted file is residue, with why`);
    t.match(named.get(planted[where]['bind-dir']), /a mount .*left in place/, `${where}: the bind-mounted dir is residue, with why`);
  }
  const idx = readBackupIndex(config.stateDir, report.backupId!);
  t.same(
    idx.files.filter((f) => f.link !== undefined).map((f) => [f.name, f.link]),
    [
      ['odd-link-dir.yaml', path.join(outside, 'dir')],
      ['odd-link-file.yaml', secret],
      ['odd-link-loop.yaml', planted.manifests['link-loop']],
    ],
    'the manifest backup records each symlinked manifest as the link, with its target path',
  );
  t.same(
    idx.files
      .filter((f) => f.link === undefined)
      .map((f) => f.name)
      .sort(),
    ['kube-apiserver.yaml', 'kube-scheduler.yaml', 'nginx-proxy.yml'],
    'the seed manifests are backed up as files; the swapped one is in no backup',
  );
  t.ok(exists(swaps['backup-manifests'].path), 'manifests: the entry swapped for a symlink stays');
  t.match(named.get(swaps['backup-manifests'].path), /static manifest still/, 'and is named');
  t.ok(exists(swaps['cni-config'].path), 'cni-config: the entry swapped for a symlink stays');

  // netns: the links are removed; the FIFO, the dir and the foreign mount are named.
  for (const tag of ['link-file', 'link-dir', 'link-loop'] as const) t.notOk(exists(planted.netns[tag]), `netns: ${tag} removed`);
  t.match(named.get(planted.netns.fifo), /a fifo, not a netns file/);
  t.match(named.get(planted.netns['bind-file']), /not a network namespace/, 'netns: a bind mount of a file is no netns: left');
  t.match(named.get(planted.netns['bind-dir']), /not a network namespace/, 'netns: a bind-mounted dir: left');
  t.ok(lstatSync(swaps['remove-netns'].path).isSymbolicLink(), 'netns: the swapped-in symlink is neither unmounted through nor removed');
  t.match(named.get(swaps['remove-netns'].path), /a symlink \(to /, 'and is named');

  // IPAM and the libcni cache: nothing is read through a link or a mount; every odd entry is named.
  for (const where of ['ipam', 'cni-cache'])
    for (const tag of TAGS) {
      t.ok(exists(planted[where][tag]), `${where}: ${tag} left in place`);
      t.match(named.get(planted[where][tag]), /left in place/, `${where}: ${tag} named, with why`);
    }
  t.ok(lstatSync(swaps.ipam.path).isSymbolicLink(), 'ipam: the reservation swapped for a symlink stays');

  // kubelet pods/: every entry is removed as itself (bind mounts unmounted first), nothing followed.
  for (const tag of TAGS) t.notOk(exists(planted['kubelet-pods'][tag]), `kubelet pods/: ${tag} removed as itself`);
  t.notOk(exists(swaps['kubelet-mounts'].path), 'kubelet pods/: the pod dir swapped for a symlink: the link removed');
  for (const m of mounts.filter((m) => m.startsWith(kubeletPods))) t.notOk(isMounted(m), `kubelet pods/: ${m} unmounted`);
  t.equal(readFileSync(secret, 'utf8'), 'outside bytes\n');
});
