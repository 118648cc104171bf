// Dirs derived from a real verbose CRI Status answer (containerd 1.6.20 on the testbed, dirs
// moved off the defaults) and from the 2.x shape of the same fields.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { DEFAULT_CNI_CACHE_DIR } from '../../../../agent/daemon/host/cni-cache';
import { DEFAULT_IPAM_DIRS } from '../../../../agent/daemon/host/ipam';
import { dirsFromStatus, ipamDirsOfConf } from '../../../../agent/daemon/runtime/dirs';
import { packageRoot } from '../../../../agent/shared/paths';

const fixture = JSON.parse(readFileSync(path.join(packageRoot(), 'test', 'fixtures', 'cri', 'status-verbose-testbed.json'), 'utf8')) as {
  info: Record<string, string>;
};

t.test('the testbed capture: every dir the way containerd 1.6 reports it', async (t) => {
  t.same(dirsFromStatus(fixture.info), {
    containerdRoot: '/tmp/ks-bajvPO/root',
    containerdState: '/tmp/ks-bajvPO/state',
    netnsDirs: ['/tmp/ks-bajvPO/state/io.containerd.grpc.v1.cri/netns'],
    cniConfDir: '/tmp/ks-bajvPO/cni/net.d',
    cniBinDirs: ['/tmp/ks-bajvPO/cni/bin'],
    cniIpamDirs: ['/tmp/ks-bajvPO/cni/ipam'],
    cniCacheDir: DEFAULT_CNI_CACHE_DIR,
  });
});

t.test('netns under /var/run/netns unless netnsMountsUnderStateDir; 2.x binDirs; host-local without dataDir', async (t) => {
  const cfg = JSON.parse(fixture.info.config) as Record<string, unknown>;
  const v2 = { ...cfg, netnsMountsUnderStateDir: false, cni: { confDir: '/etc/cni/net.d', binDirs: ['/opt/cni/bin', '/usr/lib/cni'] } };
  const cniconfig = JSON.stringify({
    Networks: [
      {
        Config: {
          Name: 'k8s-pod-network',
          Plugins: [
            { Source: JSON.stringify({ type: 'calico', ipam: { type: 'calico-ipam' } }) },
            { Source: JSON.stringify({ type: 'bridge', ipam: { type: 'host-local' } }) },
          ],
        },
      },
    ],
  });
  const d = dirsFromStatus({ config: JSON.stringify(v2), cniconfig })!;
  t.same(d.netnsDirs, ['/var/run/netns']);
  t.same(d.cniBinDirs, ['/opt/cni/bin', '/usr/lib/cni']);
  t.same(d.cniIpamDirs, DEFAULT_IPAM_DIRS, "host-local's default data dir; calico-ipam keeps nothing on disk here");
});

t.test('not containerd, or not verbose: nothing derived', async (t) => {
  t.equal(dirsFromStatus({}), undefined);
  t.equal(dirsFromStatus({ config: '{not json' }), undefined);
  t.equal(dirsFromStatus({ config: JSON.stringify({ stateDir: '/x' }) }), undefined, 'no containerdRootDir');
});

t.test('a single-plugin CNI conf file and a conflist', async (t) => {
  t.same(ipamDirsOfConf({ type: 'bridge', ipam: { type: 'host-local', dataDir: '/d1' } }), ['/d1']);
  t.same(ipamDirsOfConf({ plugins: [{ type: 'bridge', ipam: { type: 'host-local', dataDir: '/d2' } }, { type: 'portmap' }] }), ['/d2']);
});
