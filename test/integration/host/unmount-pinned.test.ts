// Unmounts never go through a symlink (issue #21): `umount` follows a link even with
// --no-canonicalize, so unmountPinned hands it a handle on the checked entry. Real tmpfs mounts,
// only under this test's temp dir, each unmounted in teardown even on failure.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { lazyUnmount, readMountinfo, unmountPinned } from '../../../agent/daemon/host/mountinfo';
import { identityOf } from '../../../agent/daemon/host/paths';

const mounted = (p: string) => readMountinfo().some((m) => m.mountPoint === p);

t.test('unmountPinned: a symlink is never unmounted through; a swapped entry is left; the planned mount goes', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ks-umount-'));
  const mounts: string[] = [];
  t.teardown(() => {
    for (const m of mounts.reverse()) if (mounted(m)) execFileSync('umount', ['-l', m]);
    rmSync(root, { recursive: true, force: true });
  });
  const tmpfs = (p: string) => {
    mkdirSync(p, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', p]);
    mounts.push(p);
    writeFileSync(path.join(p, 'keep'), 'x');
  };
  const scope = path.join(root, 'scope');
  const outside = path.join(root, 'outside');
  tmpfs(outside);
  mkdirSync(scope);

  // A symlink in the dir to a mount point outside: both ways, the outside mount stays.
  const link = path.join(scope, 'cni-link');
  symlinkSync(outside, link);
  t.equal(await unmountPinned(link, { lazy: true }), 'gone', 'lazy: nothing is mounted on a link');
  t.equal(await unmountPinned(link, { lazy: false }), 'gone', 'not lazy: the same');
  t.equal(await lazyUnmount(link, [scope]), 'gone', 'lazyUnmount, scope-checked: the same');
  t.ok(mounted(outside), 'the outside mount is still mounted');

  // A mount point the plan saw, replaced by a symlink to the outside mount before the action.
  const planned = path.join(scope, 'cni-a');
  tmpfs(planned);
  const identity = identityOf(planned)!;
  execFileSync('umount', [planned]);
  symlinkSync(outside, planned + '.new');
  rmSync(planned, { recursive: true });
  renameSync(planned + '.new', planned);
  await t.rejects(
    unmountPinned(planned, { lazy: true, expect: identity }),
    { code: 'KS_ENTRY_CHANGED' },
    'a link where a mount was planned',
  );
  t.ok(mounted(outside), 'the outside mount is still mounted');

  // Another mount on the same path than the one planned: left in place.
  const other = path.join(scope, 'cni-b');
  tmpfs(other);
  const first = identityOf(other)!;
  execFileSync('umount', [other]);
  // (Another tmpfs could get the freed device number back, and a root inode is always 1: a bind
  // mount of a subdir has an inode of its own.)
  mkdirSync(path.join(outside, 'sub'));
  execFileSync('mount', ['--bind', path.join(outside, 'sub'), other]);
  mounts.push(other);
  await t.rejects(unmountPinned(other, { lazy: true, expect: first }), { code: 'KS_ENTRY_CHANGED' }, 'another mount than planned');
  t.ok(mounted(other), 'stays mounted');

  // The planned mount, reached through its real path: unmounted, lazily and not.
  t.equal(await unmountPinned(other, { lazy: true, expect: identityOf(other)! }), 'done', 'lazy: unmounted');
  t.notOk(mounted(other));
  tmpfs(other);
  t.equal(await unmountPinned(other, { lazy: false }), 'done', 'not lazy: unmounted');
  t.notOk(mounted(other));
  t.equal(await unmountPinned(other, { lazy: false }), 'gone', 'not mounted any more: gone');

  // A mount point reached through a symlinked dir: its path is not the planned one.
  tmpfs(path.join(outside, 'inner'));
  symlinkSync(outside, path.join(scope, 'via'));
  await t.rejects(
    unmountPinned(path.join(scope, 'via', 'inner'), { lazy: true }),
    { code: 'KS_ENTRY_CHANGED' },
    'reached through a link: refused',
  );
  t.ok(mounted(path.join(outside, 'inner')) && mounted(outside), 'the outside mounts stay');
});
