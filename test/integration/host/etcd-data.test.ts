// etcd-data on a real data dir under a temp dir, with real processes: a stand-in etcd member
// (test/fixtures/etcd/etcd-member-standin.py) holding its WAL open keeps the dir in place, and
// so does a process listening on etcd's port; with neither, the entries are moved aside into
// the dated backup dir byte-identical; a mount, a symlink leading out and a FIFO are never
// followed. Then the rejoin: started on the old dir, the stand-in fails as etcd does ("already
// bootstrapped", "permanently removed"); after the reset it starts fresh. No containerd is
// needed: the CRI is an empty one (no pod is alive), the step and verify are what is tested.
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { hostNodeConfig, hostSweeper } from '../../helpers/host-node';
import { ETCD_BACKUP_PREFIX } from '../../../agent/daemon/host/etcd-data';
import { kindsInventory } from '../../../agent/daemon/sweep/kinds';
import { readMountinfo } from '../../../agent/daemon/host/mountinfo';
import type { SweepConfig } from '../../../agent/daemon/sweep';
import { resetWithPlanCheck } from '../../helpers/plan-check';
import { ETCD_STANDIN, freePort, Procs } from '../../helpers/standin';
import { treeHash } from '../../helpers/tree-hash';

const mountsUnder = (dir: string) =>
  readMountinfo()
    .map((m) => m.mountPoint)
    .filter((m) => m.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
const isBackup = (n: string) => n.startsWith(ETCD_BACKUP_PREFIX);

async function node(t: Test) {
  const root = mkdtempSync('/tmp/ks-etcd-');
  const procs = new Procs();
  t.teardown(() => {
    procs.killAll();
    for (const m of mountsUnder(root)) execFileSync('umount', ['-l', m], { stdio: 'pipe' });
    if (mountsUnder(root).length === 0) rmSync(root, { recursive: true, force: true });
  });
  for (const d of ['manifests', 'netns', 'state', 'containerd']) mkdirSync(path.join(root, d));
  const [client, peer] = [await freePort(), await freePort()];
  const config = hostNodeConfig(root, {
    etcdDataDir: path.join(root, 'etcd'),
    etcdPorts: [client, peer],
  });
  const sweeper = (c: SweepConfig = config) => hostSweeper(c);
  const reset = (tt: Test, c: SweepConfig = config) =>
    resetWithPlanCheck(tt, sweeper(c), { scope: 'all', requestedBy: 't', steps: ['etcd-data', 'verify'], withKinds: ['etcd-data'] });
  const etcd = (id: string) => procs.start('python3', [ETCD_STANDIN, id, String(client), String(peer), config.etcdDataDir]);
  const etcdUp = (id: string) =>
    procs.ready('python3', [ETCD_STANDIN, id, String(client), String(peer), config.etcdDataDir], /serving client requests/);
  return { root, config, procs, reset, etcd, etcdUp, client };
}

const stepOf = (r: { steps: { name: string }[] }, n: string) =>
  r.steps.find((s) => s.name === n) as { name: string; items: { action: string; target: string; outcome: string; message?: string }[] };
const planned = (r: { plan: { steps: { name: string; note?: string; actions: unknown[] }[] } }) =>
  r.plan.steps.find((s) => s.name === 'etcd-data')!;

t.test('a stand-in etcd holding its WAL open keeps the data dir, named in the plan and in verify', async (t) => {
  const n = await node(t);
  const member = await n.etcdUp('aaaa');
  // Only the open file counts here: etcd's ports are set to ones nobody listens on.
  const cfg: SweepConfig = Object.freeze({ ...n.config, etcdPorts: [await freePort()] });
  const before = treeHash(n.config.etcdDataDir);
  const inv = await kindsInventory(cfg, {}, async () => ({ alive: new Set<string>() }));
  t.match(
    inv.etcdData,
    [{ dir: n.config.etcdDataDir, present: true, memberEntries: 3, inUse: [new RegExp(`^pid ${member.pid} `)] }],
    'inspect: the dir, its member data and its holder',
  );
  const report = await n.reset(t, cfg);
  const step = planned(report);
  t.same(step.actions, [], 'nothing planned');
  t.match(
    step.note,
    new RegExp(`pid ${member.pid} \\(python3\\) holds .*/member/wal/0+-0+\\.wal \\(fd \\d+\\)`),
    'the holder, by pid, comm and file',
  );
  t.equal(treeHash(n.config.etcdDataDir), before, 'every byte in place');
  t.equal(report.verification?.verdict, 'residue');
  const left = report.verification!.residue.filter((r) => r.kind === 'etcd-data');
  t.equal(left.length, 1);
  t.match(left[0].why, new RegExp(`member data present .*pid ${member.pid}`), 'verify names the member dir and its holder');
});

t.test("a process listening on etcd's port keeps the data dir, named with its port", async (t) => {
  const n = await node(t);
  const member = await n.etcdUp('aaaa');
  await n.procs.stop(member);
  const squatter = await n.procs.listen(n.client);
  const before = treeHash(n.config.etcdDataDir);
  const report = await n.reset(t);
  const step = planned(report);
  t.same(step.actions, [], 'nothing planned');
  t.match(step.note, new RegExp(`port ${n.client} held by pid ${squatter.pid} \\(\\S*python3 -c`), 'the listener, by port and pid');
  t.notMatch(step.note, /holds /, 'and no file holder (it holds none)');
  t.equal(treeHash(n.config.etcdDataDir), before, 'every byte in place');
});

t.test('not held: moved aside into the dated backup dir, byte-identical; odd entries never followed', async (t) => {
  const n = await node(t);
  const D = n.config.etcdDataDir;
  const member = await n.etcdUp('aaaa');
  await n.procs.stop(member);
  // Odd entries: a symlink leading out of the dir (to a file that must survive), a FIFO, and a
  // mount (another filesystem: a rename would cross it).
  const outside = path.join(n.root, 'outside.txt');
  writeFileSync(outside, 'not etcd data\n');
  symlinkSync(outside, path.join(D, 'link-out'));
  symlinkSync('member/snap', path.join(D, 'link-in'));
  execFileSync('mkfifo', [path.join(D, 'fifo')]);
  mkdirSync(path.join(D, 'mounted'));
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', path.join(D, 'mounted')]);
  writeFileSync(path.join(D, 'mounted', 'on-tmpfs'), 'x');
  const movable = ['fifo', 'link-in', 'member'];
  const before = treeHash(D, (x) => !movable.includes(x));

  const report = await n.reset(t);
  const step = stepOf(report, 'etcd-data');
  t.same(
    step.items.map((i) => [path.basename(i.target), i.outcome]),
    movable.map((m) => [m, 'done']),
    'each movable entry moved, in name order',
  );
  t.match(planned(report).note, /link-out \(a symlink leading outside.*mounted \(another filesystem is mounted here/, 'the odd ones named');
  const backups = readdirSync(D).filter(isBackup);
  t.equal(backups.length, 1, 'one backup dir');
  t.match(backups[0], /^kubesweep-backup-\d{8}T\d{6}Z-[0-9a-f]{6}$/, 'dated');
  const B = path.join(D, backups[0]);
  t.equal(lstatSync(B).mode & 0o777, 0o700, 'the backup dir is 0700');
  t.equal(lstatSync(B).dev, lstatSync(D).dev, 'on the data dir’s own filesystem');
  t.equal(treeHash(B), before, 'the backup holds every byte, name and mode that was moved');
  t.same(readdirSync(D).sort(), [backups[0], 'link-out', 'mounted'].sort(), 'the mount and the outward link stay');
  t.ok(existsSync(outside), 'the link target outside is untouched');
  t.ok(existsSync(path.join(D, 'mounted', 'on-tmpfs')), 'the mount keeps its file');
  t.same(
    report.verification?.residue.filter((r) => r.kind === 'etcd-data'),
    [],
    'verify: no member data left',
  );
});

t.test('rejoin as a control-plane node: the old data dir fails etcd; after the reset it starts fresh', async (t) => {
  const n = await node(t);
  const t0 = Date.now();
  // The first life: member aaaa, then stopped (the node is removed from the cluster).
  const first = await n.etcdUp('aaaa');
  await n.procs.stop(first);
  // Rejoining, the cluster adds a new member bbbb: the old dir makes it the old member.
  const again = n.etcd('bbbb');
  t.equal(await again.exited, 1, 'fails on the old data dir');
  t.match(again.output(), /member aaaa has already been bootstrapped/);
  // The old member removed by its cluster ("member remove"), as remove-node does.
  const old = await n.etcdUp('aaaa');
  await new Promise<void>((resolve, reject) => {
    const s = connect(n.client, '127.0.0.1', () => s.end('member remove aaaa\n'));
    s.resume(); // read the answer: a paused socket never sees the end (and holds no loop alive)
    s.on('close', () => resolve());
    s.on('error', reject);
  });
  t.equal(await old.exited, 1, 'the removed member shuts down');
  const removed = n.etcd('bbbb');
  t.equal(await removed.exited, 1, 'a member started again on the dir fails');
  t.match(removed.output(), /the member has been permanently removed from the cluster/);

  const report = await n.reset(t);
  t.ok(stepOf(report, 'etcd-data').items.length > 0 && stepOf(report, 'etcd-data').items.every((i) => i.outcome === 'done'), 'moved aside');
  t.equal(report.verification?.verdict, 'clean', 'verify: clean');
  const fresh = await n.etcdUp('bbbb');
  t.match(fresh.output(), /serving client requests .* as member bbbb/, 'the new member starts fresh');
  t.comment(`rejoin test took ${Date.now() - t0} ms`);
});
