import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import {
  placeTeardownConf,
  removeTeardownConf,
  TEARDOWN_CONF_SHA256,
  TEARDOWN_CONF_TEXT,
  TEARDOWN_NETWORK,
  teardownConfName,
} from '../../../../agent/daemon/host/teardown-conf';

t.test('teardownConfName sorts before every config file, bytewise (Go sort.Strings)', async (t) => {
  t.equal(teardownConfName(['10-calico.conflist', 'calico-kubeconfig']), '00-kubesweep-teardown.conflist');
  t.equal(teardownConfName(['00-multus.conf']), '00-kubesweep-teardown.conflist', "'k' sorts before 'm'");
  t.equal(teardownConfName(['00-calico.conflist']), '0-kubesweep-teardown.conflist', "'0-' sorts before '00-'");
  t.equal(teardownConfName(['0-a.conf']), undefined, 'nothing of ours sorts first: refuse');
  t.equal(
    teardownConfName(['00-kubesweep-teardown.conflist', '10-x.conflist']),
    '00-kubesweep-teardown.conflist',
    'our own leftover does not count',
  );
  t.equal(teardownConfName(['00-a.txt', '10-x.conflist']), '00-kubesweep-teardown.conflist', 'non-config files do not count');
});

t.test('the teardown config names only loopback, in a network of its own', async (t) => {
  const doc = JSON.parse(TEARDOWN_CONF_TEXT);
  t.equal(doc.name, TEARDOWN_NETWORK);
  t.same(doc.plugins, [{ type: 'loopback' }]);
});

t.test('place then remove: the dir ends byte-identical; the journal hook runs before the write', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-cni-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, '10-calico.conflist'), '{"name":"k8s-pod-network"}');
  const before = readdirSync(dir).map((n) => [n, readFileSync(path.join(dir, n), 'utf8')]);
  let seenBeforeWrite: boolean | undefined;
  const placed = placeTeardownConf(dir, (p) => (seenBeforeWrite = existsSync(p.path)));
  t.equal(seenBeforeWrite, false, 'beforeWrite runs while the file does not exist yet');
  t.equal(readFileSync(placed.path, 'utf8'), TEARDOWN_CONF_TEXT);
  t.equal(placed.sha256, TEARDOWN_CONF_SHA256);
  t.same(readdirSync(dir).sort(), ['00-kubesweep-teardown.conflist', '10-calico.conflist'], 'no temp file left');
  t.equal(removeTeardownConf(placed), 'done');
  t.same(
    readdirSync(dir).map((n) => [n, readFileSync(path.join(dir, n), 'utf8')]),
    before,
  );
  t.equal(removeTeardownConf(placed), 'gone');
});

t.test('a file under our name with other bytes is never removed or overwritten', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-cni-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, '00-kubesweep-teardown.conflist'), 'not ours');
  t.throws(() => placeTeardownConf(dir, () => {}), { code: 'KS_CNI_FALLBACK_FAILED' });
  t.equal(removeTeardownConf({ dir, path: path.join(dir, '00-kubesweep-teardown.conflist'), sha256: TEARDOWN_CONF_SHA256 }), 'differs');
  t.equal(readFileSync(path.join(dir, '00-kubesweep-teardown.conflist'), 'utf8'), 'not ours');
});

t.test('odd entries under our name are never followed or opened: a FIFO, a symlink to our bytes outside', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-cni-'));
  const outside = mkdtempSync(path.join(tmpdir(), 'ks-cni-out-'));
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
  const ours = path.join(dir, '00-kubesweep-teardown.conflist');
  execFileSync('mkfifo', [ours]);
  t.throws(() => placeTeardownConf(dir, () => {}), { code: 'KS_CNI_FALLBACK_FAILED' }, 'a FIFO: refused, not read (no hang)');
  t.equal(removeTeardownConf({ dir, path: ours, sha256: TEARDOWN_CONF_SHA256 }), 'differs', 'and never removed');
  rmSync(ours);
  // A link to a file holding exactly our bytes: not ours either (its bytes are read through nothing).
  writeFileSync(path.join(outside, 'copy'), TEARDOWN_CONF_TEXT);
  symlinkSync(path.join(outside, 'copy'), ours);
  t.throws(() => placeTeardownConf(dir, () => {}), { code: 'KS_CNI_FALLBACK_FAILED' }, 'a symlink: refused');
  t.equal(removeTeardownConf({ dir, path: ours, sha256: TEARDOWN_CONF_SHA256 }), 'differs', 'the link stays');
  t.equal(readFileSync(path.join(outside, 'copy'), 'utf8'), TEARDOWN_CONF_TEXT, 'its target keeps its bytes');
});

t.test('refuses when no name of ours sorts first, or the dir is missing', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-cni-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, '0-a.conf'), '{}');
  t.throws(() => placeTeardownConf(dir, () => {}), { code: 'KS_CNI_FALLBACK_FAILED' });
  t.throws(() => placeTeardownConf(path.join(dir, 'nope'), () => {}), { code: 'KS_CNI_FALLBACK_FAILED' });
  t.same(readdirSync(dir), ['0-a.conf']);
});
