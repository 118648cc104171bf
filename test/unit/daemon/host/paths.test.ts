import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { identityChange, identityOf, isInside, removeInside, resolveInside } from '../../../../agent/daemon/host/paths';

t.test('scoped paths', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ks-paths-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const scope = path.join(root, 'manifests');
  const outside = path.join(root, 'outside');
  mkdirSync(scope);
  mkdirSync(outside);
  writeFileSync(path.join(scope, 'a.yaml'), 'a');
  writeFileSync(path.join(outside, 'secret'), 's');
  symlinkSync(outside, path.join(scope, 'linkdir'));
  symlinkSync(path.join(outside, 'secret'), path.join(scope, 'evil.yaml'));
  symlinkSync(path.join(scope, 'a.yaml'), path.join(scope, 'alias.yaml'));
  symlinkSync(path.join(root, 'nowhere'), path.join(scope, 'dangling.yaml'));
  // The scope dir itself reached through a symlink is still the scope.
  symlinkSync(scope, path.join(root, 'via-link'));

  t.equal(resolveInside(path.join(scope, 'a.yaml'), [scope]), path.join(scope, 'a.yaml'), 'a file inside');
  t.equal(
    resolveInside(path.join(root, 'via-link', 'a.yaml'), [scope]),
    path.join(scope, 'a.yaml'),
    'reached through a symlinked parent that resolves inside',
  );
  t.throws(
    () => resolveInside(path.join(scope, '..', 'outside', 'secret'), [scope]),
    { code: 'KS_PATH_OUTSIDE_SCOPE' },
    '.. escaping the dir is refused',
  );
  t.throws(
    () => resolveInside(path.join(scope, 'linkdir', 'secret'), [scope]),
    { code: 'KS_PATH_OUTSIDE_SCOPE' },
    'a symlinked dir pointing out is refused',
  );
  t.equal(
    resolveInside(path.join(scope, 'evil.yaml'), [scope]),
    path.join(scope, 'evil.yaml'),
    'a symlink pointing out is the link itself (never followed), not a veto',
  );
  t.equal(resolveInside(path.join(scope, 'alias.yaml'), [scope]), path.join(scope, 'alias.yaml'), 'a symlink pointing inside is fine');
  t.equal(resolveInside(path.join(scope, 'dangling.yaml'), [scope]), path.join(scope, 'dangling.yaml'), 'a dangling link can be removed');
  t.throws(() => resolveInside(scope, [scope]), { code: 'KS_PATH_OUTSIDE_SCOPE' }, 'the dir itself is never removed');
  t.throws(() => resolveInside(path.join(scope, '.'), [scope]), { code: 'KS_PATH_OUTSIDE_SCOPE' });
  t.throws(() => resolveInside('manifests/a.yaml', [scope]), { code: 'KS_PATH_OUTSIDE_SCOPE' }, 'relative paths refused');
  t.throws(
    () => resolveInside(path.join(scope, 'a.yaml'), [path.join(root, 'missing')]),
    { code: 'KS_PATH_OUTSIDE_SCOPE' },
    'no existing scope dir',
  );
  t.throws(
    () => resolveInside(path.join(scope + '-evil', 'x'), [scope]),
    { code: 'KS_PATH_OUTSIDE_SCOPE' },
    'a sibling with the scope as prefix is outside',
  );
  t.ok(isInside(path.join(scope, 'a.yaml'), [outside, scope]), 'any of several dirs');
  t.notOk(isInside('/etc/passwd', [scope]));

  t.equal(removeInside(path.join(scope, 'alias.yaml'), [scope]), 'done');
  t.ok(existsSync(path.join(scope, 'a.yaml')), 'removing a link leaves its target');
  t.equal(removeInside(path.join(scope, 'alias.yaml'), [scope]), 'gone', 'absent = gone');
  const evil = path.join(scope, 'evil.yaml');
  const planned = identityOf(evil)!;
  t.equal(planned.type, 'symlink');
  // Swapped for another link between plan and action: a different inode, left in place.
  symlinkSync(path.join(outside, 'secret'), evil + '.new');
  renameSync(evil + '.new', evil);
  t.throws(() => removeInside(evil, [scope], 'manifest', planned), { code: 'KS_ENTRY_CHANGED' }, 'another entry than planned: left');
  t.ok(existsSync(evil), 'the swapped-in link stays');
  t.equal(removeInside(evil, [scope], 'manifest', identityOf(evil)), 'done', 'the link as planned is unlinked');
  t.ok(existsSync(path.join(outside, 'secret')), 'the outside file survives');
  t.equal(readFileSync(path.join(outside, 'secret'), 'utf8'), 's', 'with its bytes');
  writeFileSync(evil, 'now a file');
  t.throws(
    () => removeInside(evil, [scope], 'manifest', planned),
    /was a symlink when planned and is a file now/,
    'a type change is named',
  );
  t.throws(
    () => removeInside(path.join(scope, 'linkdir', 'secret'), [scope]),
    { code: 'KS_PATH_OUTSIDE_SCOPE' },
    'an entry under a symlinked dir pointing out is still refused',
  );
});

t.test('entry types by lstat', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ks-paths-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(path.join(root, 'f'), '');
  mkdirSync(path.join(root, 'd'));
  symlinkSync(path.join(root, 'd'), path.join(root, 'l'));
  execFileSync('mkfifo', [path.join(root, 'p')]);
  t.same(
    ['f', 'd', 'l', 'p', 'missing'].map((n) => identityOf(path.join(root, n))?.type),
    ['file', 'dir', 'symlink', 'fifo', undefined],
  );
  t.equal(identityChange({ type: 'file', dev: 1, ino: 2 }, { type: 'file', dev: 1, ino: 2 }), undefined);
  t.match(identityChange({ type: 'file', dev: 1, ino: 2 }, { type: 'file', dev: 1, ino: 3 }), /replaced since the plan/);
});
