// A state dir another user can write (issue #22, 2), planted as an attacker would: a journal
// symlink to a root-only file, a `backups` symlink, a "newest" backup whose manifest is a symlink
// to a file elsewhere with mode 6777 in its index. The agent refuses to start on it, and a
// restore refuses once the state dir turns foreign under a running agent: nothing is written.
import { createHash } from 'node:crypto';
import { chownSync, lchownSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { runClient, startAgent, testbedAgentArgs } from '../../helpers/agent';
import { withTestbed } from '../../helpers/testbed';

/** A uid no account here has: "another user" needs no real account to own files. */
const OTHER = 54321;
const PLANTED = '20991231T235959Z-eeeeee';

/** A backup the other user prepared: its manifest is a symlink, its index claims mode 6777. */
function plantBackup(backupsDir: string, payload: string): void {
  const dir = path.join(backupsDir, PLANTED);
  mkdirSync(dir, { recursive: true });
  symlinkSync(payload, path.join(dir, 'evil.yaml'));
  const sha256 = createHash('sha256').update(readFileSync(payload)).digest('hex');
  const index = {
    id: PLANTED,
    createdAt: '2999-01-01T00:00:00.000Z',
    node: 'node1',
    manifestsDir: '/x',
    files: [{ name: 'evil.yaml', size: readFileSync(payload).length, mode: 0o6777, sha256 }],
  };
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index));
  for (const p of [dir, path.join(dir, 'index.json')]) chownSync(p, OTHER, OTHER);
  lchownSync(path.join(dir, 'evil.yaml'), OTHER, OTHER);
}

t.test('a foreign state dir: refused at start and at restore, nothing written', async (t) => {
  const tb = await withTestbed(t);
  const manifestsDir = path.join(tb.scratch, 'manifests');
  mkdirSync(manifestsDir);
  const payload = path.join(tb.scratch, 'payload.yaml');
  writeFileSync(path.join(tb.scratch, 'payload.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: not-yours\n');
  // A root-only file with an unfinished run in it: recovery would append 'interrupted' there.
  const rootOnly = path.join(tb.scratch, 'root-only');
  const rootOnlyText = `${JSON.stringify({ type: 'started', runId: '20260101T000000Z-aaaaaa', at: '2026-01-01T00:00:00.000Z', node: 'node1', requestedBy: 'x', plan: {} })}\n`;
  writeFileSync(rootOnly, rootOnlyText, { mode: 0o600 });

  // At start: the state dir belongs to someone else and holds their symlinks.
  const foreign = path.join(tb.scratch, 'foreign-state');
  mkdirSync(foreign, { mode: 0o755 });
  const elsewhere = path.join(tb.scratch, 'their-backups');
  plantBackup(elsewhere, payload);
  symlinkSync(rootOnly, path.join(foreign, 'journal'));
  symlinkSync(elsewhere, path.join(foreign, 'backups'));
  for (const p of ['journal', 'backups']) lchownSync(path.join(foreign, p), OTHER, OTHER);
  chownSync(foreign, OTHER, OTHER);
  const args = (stateDir: string) => testbedAgentArgs(tb, { node: 'node1', manifestsDir, stateDir, expectFreePorts: [] });
  const refused = await startAgent(t, { dir: tb.scratch, args: args(foreign), waitReady: false });
  // Today's agent would start and serve: give it 20 s to refuse.
  const ended = await Promise.race([refused.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 20_000))]);
  t.ok(ended && ended.code !== 0, `the agent does not start (${JSON.stringify(ended)})`);
  t.match(
    refused.stderr(),
    /KS_STATE_DIR_UNSAFE|state dir .* is not the agent's alone.*owned by uid 54321/,
    `says why: ${refused.stderr().trim()}`,
  );
  t.equal(readFileSync(rootOnly, 'utf8'), rootOnlyText, 'nothing appended through the journal symlink');
  t.same(readdirSync(manifestsDir), [], 'nothing restored');

  // At restore: a good state dir with a real backup, then it turns foreign and gets a planted
  // "newest" backup while the agent runs.
  const stateDir = path.join(tb.scratch, 'state');
  writeFileSync(path.join(manifestsDir, 'etcd.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\n');
  const agent = await startAgent(t, { dir: tb.scratch, args: args(stateDir) });
  const ks = (a: string[]) => runClient(['--agent', agent.socket, ...a]);
  const wipe = await ks(['--json', 'wipe-manifests', '--confirm', 'node1']);
  t.equal(wipe.code, 0, `a real backup (${wipe.stderr})`);
  t.same(readdirSync(manifestsDir), [], 'manifests wiped');
  plantBackup(path.join(stateDir, 'backups'), payload);
  chownSync(stateDir, OTHER, OTHER);
  const restore = await ks(['restore-manifests', '--confirm', 'node1']);
  t.equal(restore.code, 2, 'restore refused');
  t.match(restore.stderr, /refused \(KS_STATE_DIR_UNSAFE\).*owned by uid 54321/, `says why: ${restore.stderr.trim()}`);
  t.same(readdirSync(manifestsDir), [], 'nothing written into the manifests dir');
  t.equal(statSync(payload).mode & 0o7777, 0o644, "the payload's mode is untouched");
});
