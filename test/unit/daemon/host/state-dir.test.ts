// The state dir is the agent's alone (issue #22, 2): another owner, group/other write or a
// symlink anywhere in it (or an ancestor anyone may swap) is refused, naming each problem.
import { chmodSync, chownSync, lchownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { checkStateDir, ensureStateDir } from '../../../../agent/daemon/host/state-dir';
import { isKubesweepError } from '../../../../agent/shared/errors';

const OTHER = 54321;

function fresh(t: Test): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ks-state-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const state = path.join(root, 'state');
  mkdirSync(path.join(state, 'backups', '20261206T000000Z-aaaaaa'), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(state, 'journal'), '', { mode: 0o600 });
  writeFileSync(path.join(state, 'backups', '20261206T000000Z-aaaaaa', 'index.json'), '{}', { mode: 0o600 });
  return state;
}

function refusal(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    if (isKubesweepError(err, 'KS_STATE_DIR_UNSAFE')) return err.message;
    throw err;
  }
  return 'not refused';
}

t.test('a state dir of the agent alone passes; a missing one is created 0700', async (t) => {
  const state = fresh(t);
  t.doesNotThrow(() => checkStateDir(state));
  const missing = path.join(path.dirname(state), 'new', 'state');
  t.doesNotThrow(() => checkStateDir(missing), 'missing: nothing to check');
  ensureStateDir(missing);
  t.doesNotThrow(() => checkStateDir(missing), 'created as it must be');
});

t.test('each way the state dir is not the agent alone is refused', async (t) => {
  const cases: [string, (s: string) => void, RegExp][] = [
    ['owned by another uid', (s) => chownSync(s, OTHER, OTHER), /state is a directory.*|owned by uid 54321/],
    ['group-writable', (s) => chmodSync(s, 0o770), /writable by group or others \(mode 0770\)/],
    [
      'a journal symlink',
      (s) => (rmSync(path.join(s, 'journal')), symlinkSync('/etc/shadow', path.join(s, 'journal'))),
      /journal is a symlink/,
    ],
    [
      'a backups symlink',
      (s) => (rmSync(path.join(s, 'backups'), { recursive: true }), symlinkSync('/tmp', path.join(s, 'backups'))),
      /backups is a symlink/,
    ],
    [
      'a planted backup of another uid',
      (s) => chownSync(path.join(s, 'backups', '20261206T000000Z-aaaaaa'), OTHER, OTHER),
      /20261206T000000Z-aaaaaa is owned by uid 54321/,
    ],
    [
      'a backup file of another uid',
      (s) => lchownSync(path.join(s, 'backups', '20261206T000000Z-aaaaaa', 'index.json'), OTHER, OTHER),
      /index.json is owned by uid 54321/,
    ],
    ['an other-writable journal', (s) => chmodSync(path.join(s, 'journal'), 0o606), /journal is writable by group or others/],
    ['an ancestor another user owns', (s) => chownSync(path.dirname(s), OTHER, OTHER), /its ancestor .* is owned by uid 54321/],
    [
      'an ancestor anyone may write, not sticky',
      (s) => chmodSync(path.dirname(s), 0o777),
      /its ancestor .* writable by group or others without the sticky bit/,
    ],
  ];
  for (const [what, spoil, why] of cases) {
    const state = fresh(t);
    spoil(state);
    t.match(
      refusal(() => checkStateDir(state)),
      why,
      what,
    );
  }
  const linked = fresh(t);
  const link = path.join(path.dirname(linked), 'link');
  symlinkSync(linked, link);
  t.match(
    refusal(() => checkStateDir(link)),
    /is a symlink/,
    'the state dir itself a symlink',
  );
  t.match(
    refusal(() => ensureStateDir(link)),
    /is a symlink/,
    'ensureStateDir refuses it too',
  );
});
