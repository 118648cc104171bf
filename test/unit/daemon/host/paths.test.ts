import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { isInside, removeInside, resolveInside } from '../../../../agent/daemon/host/paths';

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
  t.throws(
    () => resolveInside(path.join(scope, 'evil.yaml'), [scope]),
    { code: 'KS_PATH_OUTSIDE_SCOPE' },
    'a symlink pointing out is refused',
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
  t.throws(() => removeInside(path.join(scope, 'evil.yaml'), [scope]), { code: 'KS_PATH_OUTSIDE_SCOPE' });
  t.ok(existsSync(path.join(outside, 'secret')), 'the outside file survives');
});
