import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { listBackups } from '../../../../agent/daemon/sweep/backup';
import { kindBackupDir, listKindBackups, writeKindBackup } from '../../../../agent/daemon/sweep/kind-backup';

t.test('a kind backup is complete, indexed, and never mistaken for a manifest backup', async (t) => {
  const state = mkdtempSync(path.join(tmpdir(), 'ks-kb-'));
  t.teardown(() => rmSync(state, { recursive: true, force: true }));
  const id = '20261201T083000Z-abcdef';
  const idx = writeKindBackup(state, 'firewall', id, 'node1', new Date('2026-12-01T08:30:00Z'), [
    { name: 'iptables-nft.rules', data: '*filter\nCOMMIT\n', source: 'iptables-nft-save' },
    { name: 'ip6tables-nft.rules', data: Buffer.from('*nat\nCOMMIT\n'), source: 'ip6tables-nft-save' },
  ]);
  const dir = kindBackupDir(state, 'firewall', id);
  t.equal(readFileSync(path.join(dir, 'iptables-nft.rules'), 'utf8'), '*filter\nCOMMIT\n');
  t.same(
    idx.files.map((f) => [f.name, f.size, f.source]),
    [
      ['iptables-nft.rules', 15, 'iptables-nft-save'],
      ['ip6tables-nft.rules', 12, 'ip6tables-nft-save'],
    ],
  );
  t.same(JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')), idx);
  t.same(
    listKindBackups(state, 'firewall').map((b) => b.id),
    [id],
  );
  t.same(listBackups(state), [], 'not listed as a manifest backup');
  t.throws(
    () => writeKindBackup(state, 'firewall', '20261201T083001Z-abcdef', 'node1', new Date(), [{ name: '../x', data: '', source: 'x' }]),
    { code: 'KS_BACKUP_FAILED' },
  );
  t.same(readdirSync(path.join(state, 'backups', 'firewall')), [id], 'a failed backup leaves nothing (no temp dir)');
  writeFileSync(path.join(state, 'backups', 'firewall', 'junk'), '');
  t.equal(listKindBackups(state, 'firewall').length, 1);
  t.notOk(existsSync(path.join(state, 'backups', 'cni-config')));
  t.same(listKindBackups(state, 'cni-config'), []);
});
