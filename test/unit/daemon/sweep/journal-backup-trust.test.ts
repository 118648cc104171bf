// What the journal and the backups trust on disk (issue #22, 1 and 2): records whole or not at
// all and torn lines named; no symlink followed; a backup chosen by its id, never by what its
// index claims; a restored manifest never more than 0644.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { listBackups, restoreBackup, writeBackup } from '../../../../agent/daemon/sweep/backup';
import { appendJournal, readJournalChecked } from '../../../../agent/daemon/sweep/journal';

function dirs(t: Test) {
  const root = mkdtempSync(path.join(tmpdir(), 'ks-trust-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const state = path.join(root, 'state');
  const manifests = path.join(root, 'manifests');
  mkdirSync(state, { mode: 0o700 });
  mkdirSync(manifests);
  return { root, state, manifests };
}

const rec = (runId: string) => ({
  type: 'interrupted' as const,
  runId,
  at: '2026-12-06T00:00:00.000Z',
  detectedBy: 'test',
  startedAt: '2026-12-06T00:00:00.000Z',
});

/** A backup dir written by hand, as someone planting one would. */
function plant(
  state: string,
  id: string,
  files: { name: string; data?: string; link?: string; mode: number }[],
  claims: { id?: string; createdAt: string },
): void {
  const dir = path.join(state, 'backups', id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const index = { id: claims.id ?? id, createdAt: claims.createdAt, node: 'n', manifestsDir: '/x', files: [] as object[] };
  for (const f of files) {
    if (f.link) symlinkSync(f.link, path.join(dir, f.name));
    else writeFileSync(path.join(dir, f.name), f.data!, { mode: 0o600 });
    const data = readFileSync(path.join(dir, f.name));
    index.files.push({ name: f.name, size: data.length, mode: f.mode, sha256: createHash('sha256').update(data).digest('hex') });
  }
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index), { mode: 0o600 });
}

t.test('journal: a torn line is ended, not glued onto; the reader names it', async (t) => {
  const { state } = dirs(t);
  appendJournal(state, rec('r1'));
  writeFileSync(path.join(state, 'journal'), '{"type":"step","runId":"r2","st', { flag: 'a' });
  appendJournal(state, rec('r3'));
  const read = readJournalChecked(state);
  t.same(
    read.records.map((r) => r.runId),
    ['r1', 'r3'],
    'the record after the torn line is whole',
  );
  t.same(read.torn, [{ line: 2, start: JSON.stringify('{"type":"step","runId":"r2","st') }], 'the torn line is named');
});

t.test('journal: never appended through a symlink', async (t) => {
  const { root, state } = dirs(t);
  const target = path.join(root, 'root-only');
  writeFileSync(target, 'secret\n', { mode: 0o600 });
  symlinkSync(target, path.join(state, 'journal'));
  t.throws(() => appendJournal(state, rec('r1')), /ELOOP/);
  t.equal(readFileSync(target, 'utf8'), 'secret\n', 'the target is unchanged');
});

t.test('backups: the newest is the newest id, whatever an index claims', async (t) => {
  const { state, manifests } = dirs(t);
  writeFileSync(path.join(manifests, 'etcd.yaml'), 'kind: Pod\n');
  const real = writeBackup(state, manifests, [{ name: 'etcd.yaml' }], '20261206T120000Z-bbbbbb', 'n', new Date('2026-12-06T12:00:00.000Z'));
  plant(state, '20261206T110000Z-aaaaaa', [{ name: 'evil.yaml', data: 'kind: Pod\n', mode: 0o644 }], {
    createdAt: '2999-01-01T00:00:00.000Z',
  });
  plant(state, '20261206T100000Z-cccccc', [{ name: 'liar.yaml', data: 'kind: Pod\n', mode: 0o644 }], {
    id: '20991231T000000Z-ffffff',
    createdAt: '2026-12-06T10:00:00.000Z',
  });
  t.same(
    listBackups(state).map((b) => b.id),
    ['20261206T110000Z-aaaaaa', real.id],
    'ordered by id; an index claiming another id is no backup',
  );
  rmSync(path.join(manifests, 'etcd.yaml'));
  t.equal(restoreBackup(state, manifests).backupId, real.id, 'restore without an id takes the newest id');
  t.same(readdirSync(manifests), ['etcd.yaml']);
  t.throws(() => restoreBackup(state, manifests, '20261206T100000Z-cccccc'), /its index claims id "20991231T000000Z-ffffff": refused/);
});

t.test('backups: a symlinked entry is refused, a restored mode is at most 0644', async (t) => {
  const { root, state, manifests } = dirs(t);
  const elsewhere = path.join(root, 'payload.yaml');
  writeFileSync(elsewhere, 'kind: Pod\n');
  plant(state, '20261206T100000Z-aaaaaa', [{ name: 'evil.yaml', link: elsewhere, mode: 0o644 }], { createdAt: '2026-12-06T10:00:00.000Z' });
  t.throws(
    () => restoreBackup(state, manifests, '20261206T100000Z-aaaaaa'),
    /backup 20261206T100000Z-aaaaaa: evil.yaml is a symlink: refused, nothing restored/,
  );
  t.same(readdirSync(manifests), [], 'nothing restored');
  plant(state, '20261206T110000Z-bbbbbb', [{ name: 'setuid.yaml', data: 'kind: Pod\n', mode: 0o6777 }], {
    createdAt: '2026-12-06T11:00:00.000Z',
  });
  restoreBackup(state, manifests, '20261206T110000Z-bbbbbb');
  t.equal(statSync(path.join(manifests, 'setuid.yaml')).mode & 0o7777, 0o644, 'no setuid/setgid/sticky/exec, no group/other write');
});
