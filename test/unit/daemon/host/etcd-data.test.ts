// host/etcd-data.ts and host/holders.ts on a temp dir: the scan skips earlier backups and counts
// the member dir; a move refuses an entry that was replaced since the plan or a name leading out;
// the holder scan finds this test's own child by the inode it holds, not by a path it names.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { makeEtcdBackupDir, moveAside, scanEtcdData } from '../../../../agent/daemon/host/etcd-data';
import { findHolders, treeInodes } from '../../../../agent/daemon/host/holders';
import { loadConfig, resolveConfig } from '../../../../agent/daemon/config';

function dataDir(t: { teardown: (f: () => void) => void }): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ks-etcdu-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const d = path.join(root, 'etcd');
  mkdirSync(path.join(d, 'member', 'wal'), { recursive: true });
  writeFileSync(path.join(d, 'member', 'wal', '0.wal'), 'wal');
  mkdirSync(path.join(d, 'kubesweep-backup-20261201T000000Z-abcdef'));
  return d;
}

t.test('scan: entries without earlier backups, the member dir counted; a missing dir is absent', async (t) => {
  const d = dataDir(t);
  const s = scanEtcdData(d);
  t.same(
    s.entries.map((e) => [e.name, e.type, e.unmovable]),
    [['member', 'dir', undefined]],
  );
  t.equal(s.memberEntries, 1);
  t.same(s.backups, [path.join(d, 'kubesweep-backup-20261201T000000Z-abcdef')]);
  t.same(scanEtcdData(path.join(d, 'nope')).absent, true);
  const link = path.join(path.dirname(d), 'link');
  symlinkSync(d, link);
  t.match(scanEtcdData(link).symlink, /symlink: never followed/, 'a data dir that is a symlink is not followed');
});

t.test('moveAside: refuses a replaced entry and a name leading out; moves the planned one', async (t) => {
  const d = dataDir(t);
  const [member] = scanEtcdData(d).entries;
  const b = makeEtcdBackupDir(d, '20261207T000000Z-123456');
  // Replaced since the plan: another dir under the same name.
  renameSync(path.join(d, 'member'), path.join(d, 'old'));
  mkdirSync(path.join(d, 'member'));
  t.same(moveAside(d, member, b).outcome, 'skipped', 'another inode under the name stays');
  t.ok(existsSync(path.join(d, 'member')));
  t.throws(() => moveAside(d, { ...member, name: '../etcd2' }, b), { code: 'KS_PATH_OUTSIDE_SCOPE' });
  t.throws(() => moveAside(d, member, path.dirname(d)), { code: 'KS_PATH_OUTSIDE_SCOPE' }, 'the backup dir must lie inside');
  const [again] = scanEtcdData(d).entries.filter((e) => e.name === 'member');
  t.same(moveAside(d, again, b).outcome, 'done');
  t.ok(existsSync(path.join(b, 'member')) && !existsSync(path.join(d, 'member')));
  t.same(moveAside(d, again, b).outcome, 'gone');
});

t.test('findHolders: a child holding a file by its inode; a renamed file still is the same file', async (t) => {
  const d = dataDir(t);
  const wal = path.join(d, 'member', 'wal', '0.wal');
  const child = spawn('python3', ['-c', 'import sys,time; f=open(sys.argv[1]); print("ok",flush=True); time.sleep(60)', wal], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  t.teardown(() => void child.kill('SIGKILL'));
  await new Promise((r) => child.stdout.once('data', r));
  // The fd's link text names the old path; the inode is what counts.
  renameSync(wal, path.join(d, 'member', 'wal', 'renamed.wal'));
  const held = findHolders(treeInodes(d)).filter((h) => h.pid === child.pid);
  t.same(
    held.map((h) => [h.path, h.how.replace(/\d+/, 'N')]),
    [[path.join(d, 'member', 'wal', 'renamed.wal'), 'fd N']],
  );
  t.same(
    findHolders(treeInodes(d, (n) => n === 'member')).filter((h) => h.pid === child.pid),
    [],
    'a skipped subtree is not looked at',
  );
});

t.test('options: etcd and kubelet ports validated, dirs may be ""', async (t) => {
  const r = resolveConfig({ nodeName: 'n', etcdPorts: [2379, 'abc'], kubeletPorts: [70000] });
  t.match(r.problems.join('\n'), /etcdPorts: "abc" not a port/);
  t.match(r.problems.join('\n'), /kubeletPorts: 70000 not a port/);
  const ok = loadConfig(['--node-name', 'n', '--etcd-port', '12379', '--etcd-port', '12380', '--kubernetes-dir', '']).config;
  t.same([ok.etcdPorts, ok.kubernetesDir, ok.etcdDataDir, ok.kubeletPorts], [[12379, 12380], '', '/var/lib/etcd', [10250, 10248]]);
});
