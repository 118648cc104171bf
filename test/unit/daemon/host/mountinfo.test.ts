import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { mountPointsUnder, parseMountinfo, unescapeMountPath } from '../../../../agent/daemon/host/mountinfo';
import { findContainerMounts } from '../../../../agent/daemon/sweep/discover';

const fixture = readFileSync(path.join(__dirname, '../../../fixtures/host/mountinfo-testbed.txt'), 'utf8');

t.test('parses real mountinfo lines from a testbed', async (t) => {
  const { mounts, malformed } = parseMountinfo(fixture);
  t.equal(malformed, 0);
  t.equal(mounts.length, 9);
  const overlay = mounts.find((m) => m.fsType === 'overlay')!;
  t.match(overlay.mountPoint, /io\.containerd\.runtime\.v2\.task\/k8s\.io\/[0-9a-f]{64}\/rootfs$/);
  t.equal(overlay.source, 'overlay');
  const ns = mounts.find((m) => m.fsType === 'nsfs')!;
  t.match(ns.root, /^net:\[\d+\]$/);
  t.match(ns.mountPoint, /netns\/cni-/);
  t.same(
    mounts.find((m) => m.mountPoint === '/proc'),
    { id: 22, parentId: 27, root: '/', mountPoint: '/proc', fsType: 'proc', source: 'proc' },
  );
});

t.test('escaped paths, optional fields and malformed lines', async (t) => {
  const text = [
    '36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 shared:7 - ext3 /dev/root rw,errors=continue',
    'garbage line',
    '37 35 98:0 / /x rw',
    '',
  ].join('\n');
  const { mounts, malformed } = parseMountinfo(text);
  t.equal(malformed, 2, 'two malformed lines counted, not thrown');
  t.equal(mounts[0].mountPoint, '/mnt/with space');
  t.equal(mounts[0].fsType, 'ext3');
  t.equal(mounts[0].source, '/dev/root');
  t.equal(unescapeMountPath('a\\011b\\134c'), 'a\tb\\c');
});

t.test('mount points under dirs, deepest first; container mounts by kind', async (t) => {
  const { mounts } = parseMountinfo(fixture);
  const dir = /(\/tmp\/ks-[^/]+)\//.exec(fixture)![1];
  const under = mountPointsUnder(mounts, [dir]);
  t.equal(under.length, 6);
  t.notOk(under.includes('/proc'));
  const depths = under.map((p) => p.split('/').length);
  t.same(
    depths,
    [...depths].sort((a, b) => b - a),
    'deepest first',
  );
  const cm = findContainerMounts(mounts, [path.join(dir, 'root'), path.join(dir, 'state')], 'k8s.io');
  t.same(cm.map((m) => m.kind).sort(), ['rootfs', 'rootfs', 'shm', 'shm'], 'rootfs and shm found, netns mounts are not container mounts');
  t.ok(cm.filter((m) => m.kind === 'shm').every((m) => m.sandboxId === m.id && /^[0-9a-f]{64}$/.test(m.id)));
  t.same(
    findContainerMounts(mounts, [path.join(dir, 'state')], 'moby').filter((m) => m.kind === 'rootfs'),
    [],
    'another namespace: no task rootfs',
  );
});
