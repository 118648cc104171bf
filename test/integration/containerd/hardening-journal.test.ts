// A state dir that fills up mid-run (issue #22, 1): a small tmpfs with room for the manifest
// backup and only part of the next journal record. `kubesweep wipe-manifests` must say what it
// did (the backup id) and why it stopped, exit 1 — not "refused" —, and the journal must hold
// whole records only, also after the next agent start appends to it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { runClient, startAgent, testbedAgentArgs } from '../../helpers/agent';
import { withTestbed } from '../../helpers/testbed';

const PAGE = 4096;
/** Room left in the journal's last page after the 'started' record: less than any 'step' record. */
const ROOM = 100;

function writeManifests(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'kube-apiserver.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n');
  writeFileSync(path.join(dir, 'etcd.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\n');
}

function journalLines(stateDir: string): string[] {
  return readFileSync(path.join(stateDir, 'journal'), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

t.test('full state dir mid-run: the backup id and the reason, exit 1, whole journal records', async (t) => {
  const tb = await withTestbed(t);
  const manifestsDir = path.join(tb.scratch, 'manifests');
  const stateDir = path.join(tb.scratch, 'state');
  mkdirSync(stateDir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'ks-i22-full', stateDir]);
  t.teardown(() => execFileSync('umount', ['-l', stateDir]));
  writeManifests(manifestsDir);
  const args = testbedAgentArgs(tb, { node: 'node1', manifestsDir, stateDir, expectFreePorts: [] });

  // Calibrate: the same run with room, to learn the length of its 'started' record.
  let agent = await startAgent(t, { dir: tb.scratch, args });
  const first = await runClient(['--agent', agent.socket, 'wipe-manifests', '--confirm', 'node1']);
  t.equal(first.code, 0, `with room: done (${first.stderr})`);
  const startedLen = Buffer.byteLength(journalLines(stateDir)[0]) + 1;
  for (const n of readdirSync(stateDir)) rmSync(path.join(stateDir, n), { recursive: true });
  writeManifests(manifestsDir);

  // A first journal line that puts the end of the next 'started' record ROOM bytes before a page
  // boundary; then fill the tmpfs so that only the backup's pages and that record's are free.
  let pad = (((PAGE - ROOM - startedLen) % PAGE) + PAGE) % PAGE;
  if (pad < 40) pad += PAGE;
  const padLine = JSON.stringify({ type: 'note', pad: 'x'.repeat(pad - 25) });
  t.equal(Buffer.byteLength(padLine) + 1, pad, 'pad line length');
  writeFileSync(path.join(stateDir, 'journal'), padLine + '\n', { mode: 0o600 });
  const journalPages = Math.ceil((pad + startedLen) / PAGE) - Math.ceil(pad / PAGE);
  const backupPages = 2 + 1; // two small manifests and index.json
  const free = Number(statfsSync(stateDir).bfree);
  writeFileSync(path.join(stateDir, 'filler'), Buffer.alloc((free - journalPages - backupPages) * PAGE));
  t.equal(Number(statfsSync(stateDir).bfree), journalPages + backupPages, 'room for the backup and the started record only');

  const run = await runClient(['--agent', agent.socket, 'wipe-manifests', '--confirm', 'node1']);
  t.comment(run.stdout + run.stderr);
  t.equal(run.code, 1, 'exit 1: something was done, not all of it');
  t.notMatch(run.stderr, /refused|KS_INTERNAL/, 'not "refused"');
  const backupId = /manifests backed up as (\S+)/.exec(run.stdout)?.[1];
  t.ok(backupId, 'the backup id is reported');
  t.same(readdirSync(path.join(stateDir, 'backups')), [backupId], 'and it is on disk');
  t.same(readdirSync(manifestsDir), [], 'the manifests were removed (after the backup)');
  t.match(
    run.stdout,
    /run aborted: the run journal could not record step backup-manifests \(ENOSPC: no space left on device/,
    'the reason',
  );
  const json = JSON.parse((await runClient(['--agent', agent.socket, '--json', 'inspect'])).stdout);
  t.same(
    json.backups.map((b: { id: string }) => b.id),
    [backupId],
    'inspect lists the backup',
  );

  // Whole records only: no torn line now, none after the next start appends 'interrupted'.
  const whole = (): void => {
    const text = readFileSync(path.join(stateDir, 'journal'), 'utf8');
    t.ok(text.endsWith('\n'), 'the journal ends with a whole line');
    for (const l of journalLines(stateDir)) t.doesNotThrow(() => JSON.parse(l), `a whole record: ${l.slice(0, 60)}`);
  };
  whole();
  rmSync(path.join(stateDir, 'filler'));
  process.kill(agent.pid, 'SIGTERM');
  await agent.exited;
  agent = await startAgent(t, { dir: tb.scratch, args });
  whole();
  const types = journalLines(stateDir).map((l) => (JSON.parse(l) as { type: string }).type);
  t.same(types, ['note', 'started', 'interrupted'], "the next start records the run's end it could not write");
});
