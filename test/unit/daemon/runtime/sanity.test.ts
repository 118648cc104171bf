import t from 'tap';
import { sanityProblem } from '../../../../agent/daemon/runtime/sanity';

const ctx = { stateDir: '/var/lib/kubesweep', manifestsDir: '/etc/kubernetes/manifests' };

t.test('dirs of containerd and CNI pass', async (t) => {
  for (const d of [
    '/var/lib/containerd',
    '/run/containerd',
    '/run/k3s/containerd',
    '/var/lib/rancher/k3s/agent/containerd',
    '/etc/cni/net.d',
    '/var/lib/cni/networks',
    '/var/run/netns',
    '/tmp/ks-abc/state',
    '/data/containerd',
  ]) {
    t.equal(sanityProblem(d, ctx), undefined, d);
  }
});

t.test('refused: relative, /, system trees as a whole, kernel filesystems, the agent own dirs', async (t) => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['var/lib/containerd', /absolute/],
    ['/var/lib/containerd/../..', /normalized/],
    ['/', /is \//],
    ['/etc', /system dir \/etc/],
    ['/usr', /system dir/],
    ['/var/lib', /system dir/],
    ['/var/lib/kubelet', /system dir/],
    ['/proc/1/root', /lies in \/proc/],
    ['/sys/fs/cgroup', /lies in \/sys/],
    ['/var/lib/kubesweep', /agent's state dir/],
    ['/etc/kubernetes/manifests', /manifests dir/],
  ];
  for (const [d, re] of cases) t.match(sanityProblem(d, ctx), re, JSON.stringify(d));
});
