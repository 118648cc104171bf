import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import {
  isBackupId,
  listBackups,
  listManifests,
  newRunId,
  readBackupIndex,
  restoreBackup,
  writeBackup,
} from '../../../../agent/daemon/sweep/backup';

function setup(t: Test) {
  const root = mkdtempSync(path.join(tmpdir(), 'ks-backup-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const manifests = path.join(root, 'manifests');
  const state = path.join(root, 'state');
  mkdirSync(manifests);
  writeFileSync(path.join(manifests, 'kube-apiserver.yaml'), 'kind: Pod\n');
  chmodSync(path.join(manifests, 'kube-apiserver.yaml'), 0o600);
  writeFileSync(path.join(manifests, 'etcd.yaml'), Buffer.from([0, 1, 2, 255, 10]));
  chmodSync(path.join(manifests, 'etcd.yaml'), 0o644);
  mkdirSync(path.join(manifests, 'subdir'));
  return { root, manifests, state };
}

t.test('backup ids', async (t) => {
  const id = newRunId(new Date('2026-11-29T11:02:03.456Z'));
  t.match(id, /^20261129T110203Z-[0-9a-f]{6}$/);
  t.ok(isBackupId(id));
  for (const bad of [
    '',
    '../x',
    '20261129T110203Z-3fa9c',
    '20261129T110203Z-3FA9C1',
    '20261129T110203Z-3fa9c1/..',
    'x20261129T110203Z-3fa9c1',
  ])
    t.notOk(isBackupId(bad), `rejects ${JSON.stringify(bad)}`);
});

t.test('write, list, restore byte-identical', async (t) => {
  const { manifests, state } = setup(t);
  const files = listManifests(manifests);
  t.same(
    files.map((f) => f.name),
    ['etcd.yaml', 'kube-apiserver.yaml'],
    'regular files only, sorted',
  );
  const id = newRunId();
  const idx = writeBackup(state, manifests, files, id, 'node1', new Date());
  t.same(
    idx.files.map((f) => [f.name, f.size, f.mode]),
    [
      ['etcd.yaml', 5, 0o644],
      ['kube-apiserver.yaml', 10, 0o600],
    ],
  );
  t.same(readBackupIndex(state, id), idx, 'index on disk matches');
  t.same(readdirSync(path.join(state, 'backups')), [id], 'no temp dir left');
  t.same(
    listBackups(state).map((b) => [b.id, b.files, b.bytes]),
    [[id, 2, 15]],
  );
  for (const f of files) rmSync(f.path);
  const r = restoreBackup(state, manifests);
  t.same(r, { backupId: id, restored: ['etcd.yaml', 'kube-apiserver.yaml'], unchanged: [] });
  t.same(readFileSync(path.join(manifests, 'etcd.yaml')), Buffer.from([0, 1, 2, 255, 10]), 'binary content identical');
  t.equal(statSync(path.join(manifests, 'kube-apiserver.yaml')).mode & 0o777, 0o600, 'mode restored');
  t.notOk(
    readdirSync(manifests).some((n) => n.startsWith('.kubesweep-restore')),
    'no temp file left',
  );
  t.same(restoreBackup(state, manifests, id).unchanged, ['etcd.yaml', 'kube-apiserver.yaml'], 'restoring again: unchanged');
  writeFileSync(path.join(manifests, 'etcd.yaml'), 'changed');
  rmSync(path.join(manifests, 'kube-apiserver.yaml'));
  t.throws(() => restoreBackup(state, manifests, id), { code: 'KS_RESTORE_CONFLICT', message: /etcd\.yaml/ });
  t.notOk(existsSync(path.join(manifests, 'kube-apiserver.yaml')), 'a refused restore writes nothing at all');
  t.throws(() => restoreBackup(state, manifests, '20200101T000000Z-000000'), { code: 'KS_BACKUP_NOT_FOUND' });
  t.throws(() => restoreBackup(state, manifests, '../../etc'), { code: 'KS_INVALID_ARGUMENT' });
});

t.test('a backup that cannot be written fails cleanly', async (t) => {
  const { manifests, state } = setup(t);
  mkdirSync(state);
  writeFileSync(path.join(state, 'backups'), 'a file in the way');
  t.throws(() => writeBackup(state, manifests, listManifests(manifests), newRunId(), 'n', new Date()), {
    code: 'KS_BACKUP_FAILED',
    message: /nothing was removed/,
  });
  rmSync(path.join(state, 'backups'));
  const files = listManifests(manifests);
  writeFileSync(path.join(manifests, 'etcd.yaml'), 'changed after planning');
  t.throws(() => writeBackup(state, manifests, files, newRunId(), 'n', new Date()), {
    code: 'KS_BACKUP_FAILED',
    message: /changed since the plan/,
  });
  t.same(readdirSync(path.join(state, 'backups')), [], 'the partial backup was removed');
  t.same(listBackups(state), []);
  t.throws(() => restoreBackup(state, manifests), { code: 'KS_BACKUP_NOT_FOUND' });
});

t.test('an index naming a path outside its dir is refused; junk dirs are not backups', async (t) => {
  const { manifests, state } = setup(t);
  const id = newRunId();
  writeBackup(state, manifests, listManifests(manifests), id, 'n', new Date());
  const ip = path.join(state, 'backups', id, 'index.json');
  const idx = JSON.parse(readFileSync(ip, 'utf8'));
  idx.files[0].name = '../../escape';
  writeFileSync(ip, JSON.stringify(idx));
  t.throws(() => readBackupIndex(state, id), { code: 'KS_BACKUP_FAILED' });
  mkdirSync(path.join(state, 'backups', 'not-a-backup'));
  mkdirSync(path.join(state, 'backups', '.tmp-20260101T000000Z-abcdef'));
  t.same(listBackups(state), [], 'neither the tampered nor the junk dirs are listed');
});

t.test('the newest backup is the last created, even within one second', async (t) => {
  const { manifests, state } = setup(t);
  const files = listManifests(manifests);
  // Same second, random tails in the "wrong" order: ffffff is written first, 000000 later.
  const first = '20261129T110203Z-ffffff';
  const second = '20261129T110203Z-000000';
  writeBackup(state, manifests, files, first, 'node1', new Date('2026-11-29T11:02:03.100Z'));
  writeFileSync(path.join(manifests, 'etcd.yaml'), 'changed\n');
  writeBackup(state, manifests, listManifests(manifests), second, 'node1', new Date('2026-11-29T11:02:03.900Z'));
  t.same(
    listBackups(state).map((b) => b.id),
    [first, second],
    'listed oldest first by creation time',
  );
  for (const f of listManifests(manifests)) rmSync(f.path);
  const r = restoreBackup(state, manifests);
  t.equal(r.backupId, second, 'restore without an id takes the newest');
  t.equal(readFileSync(path.join(manifests, 'etcd.yaml'), 'utf8'), 'changed\n');
});
