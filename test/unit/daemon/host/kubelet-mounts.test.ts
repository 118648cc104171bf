import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { kubeletMounts, mountsAtOrUnder } from '../../../../agent/daemon/host/kubelet-mounts';
import { parseMountinfo } from '../../../../agent/daemon/host/mountinfo';

const FIX = path.join(__dirname, '..', '..', '..', 'fixtures', 'host');
const { mounts } = parseMountinfo(readFileSync(path.join(FIX, 'mountinfo-kubelet.txt'), 'utf8'));
const K = '/tmp/ks-kl-Fx12/kubelet';
const POD = `${K}/pods/7d1c2b3a-1111-4222-8333-944455556666`;

t.test('kubeletMounts: strictly under the kubelet dir, deepest first, stacked mounts counted', async (t) => {
  const km = kubeletMounts(mounts, K);
  t.same(
    km.map((m) => m.mountPoint).sort(),
    [
      `${POD}/volume-subpaths/pv-data/app/0`,
      `${POD}/volumes/kubernetes.io~local-volume/pv-data`,
      `${POD}/volumes/kubernetes.io~secret/a token`,
      `${POD}/volumes/kubernetes.io~empty-dir/cache`,
      `${K}/plugins/kubernetes.io/csi/pv/pvc-1/globalmount`,
    ].sort(),
  );
  t.equal(km[0].mountPoint, `${POD}/volume-subpaths/pv-data/app/0`, 'the deepest first');
  for (let i = 0; i < km.length; i++)
    for (let j = i + 1; j < km.length; j++)
      t.notOk(km[j].mountPoint.startsWith(km[i].mountPoint + '/'), `${km[i].mountPoint} is not a parent of a later one`);
  t.notOk(
    km.some((m) => m.mountPoint === K),
    'the kubelet dir itself (a dedicated disk) is never unmounted',
  );
  t.notOk(
    km.some((m) => m.mountPoint.startsWith('/tmp/ks-kl-Fx12/kubelet-other')),
    'a sibling dir sharing the prefix is not under it',
  );
  t.equal(km[0].count, 2, 'a subpath bind mount with a tmpfs stacked on it: unmounted twice');
  t.equal(km[0].podUid, '7d1c2b3a-1111-4222-8333-944455556666');
  t.equal(km.find((m) => m.mountPoint.endsWith('globalmount'))!.podUid, undefined, 'a CSI global mount belongs to no pod');
  t.equal(km.find((m) => m.mountPoint.endsWith('pv-data'))!.fsType, 'ext4');
  t.same(kubeletMounts(mounts, '/var/lib/kubelet'), []);
});

t.test('mountsAtOrUnder', async (t) => {
  t.equal(mountsAtOrUnder(mounts, POD).length, 4);
  t.same(
    mountsAtOrUnder(mounts, `${POD}/volumes/kubernetes.io~empty-dir/cache`),
    [`${POD}/volumes/kubernetes.io~empty-dir/cache`],
    'a mount point itself counts',
  );
  t.same(mountsAtOrUnder(mounts, `${POD}/etc-hosts`), []);
});
