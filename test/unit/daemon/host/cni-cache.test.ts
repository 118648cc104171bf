// libcni's result cache: which files are a dead CRI sandbox's of this node (and so removable),
// and which are anyone else's (never touched).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { parseCniCache, removeStaleCacheFile, scanCniCache } from '../../../../agent/daemon/host/cni-cache';

const ID = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

/** A cache document as containerd 1.6's CRI has libcni write it. */
function doc(o: { id?: string; infra?: string | null; netns?: string; kind?: string; network?: string } = {}): string {
  const id = o.id ?? ID;
  const args = [
    ['K8S_POD_NAMESPACE', 'kube-system'],
    ['K8S_POD_NAME', 'calico-node-x1'],
    ...(o.infra === null ? [] : [['K8S_POD_INFRA_CONTAINER_ID', o.infra ?? id]]),
    ['IgnoreUnknown', '1'],
  ];
  return JSON.stringify({
    kind: o.kind ?? 'cniCacheV1',
    containerId: id,
    config: 'e30=',
    ifName: 'eth0',
    networkName: o.network ?? 'k8s-pod-network',
    cniArgs: args,
    result: {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'cali1' }, { name: 'eth0', sandbox: o.netns ?? '/var/run/netns/cni-1234' }],
      ips: [{ address: '10.0.0.5/24' }],
    },
  });
}

t.test('parse: a CRI sandbox attachment in a configured netns dir', (t) => {
  const dirs = ['/var/run/netns'];
  t.same(parseCniCache(doc(), dirs), { network: 'k8s-pod-network', containerId: ID, ifname: 'eth0', netns: '/var/run/netns/cni-1234' });
  t.equal(parseCniCache(doc({ infra: null }), dirs), undefined, 'no K8S_POD_INFRA_CONTAINER_ID (a libcni user that is no CRI): not ours');
  t.equal(parseCniCache(doc({ infra: OTHER }), dirs), undefined, 'an infra id that is not the container id: not ours');
  t.equal(parseCniCache(doc({ netns: '/run/other/cni-1' }), dirs), undefined, 'a netns in another dir: not ours');
  t.equal(parseCniCache(doc({ netns: '/var/run/netns/../../etc/cni-1' }), dirs), undefined, 'a netns path that climbs out: not ours');
  t.equal(parseCniCache(doc({ netns: 'var/run/netns/cni-1' }), dirs), undefined, 'a relative netns path: not ours');
  t.equal(parseCniCache(doc({ kind: 'cniCacheV2' }), dirs), undefined, 'another cache format: not read');
  t.equal(parseCniCache(doc({ id: 'short', infra: 'short' }), dirs), undefined, 'an id that is not a 64-hex sandbox id');
  t.equal(parseCniCache('{"kind": "cniCacheV1", "containerId"', dirs), undefined, 'truncated JSON');
  t.equal(parseCniCache('null', dirs), undefined);
  t.end();
});

t.test('scan and remove: only dead sandboxes of ours, only once their netns is gone', (t) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ks-cnicache-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const cache = path.join(root, 'results');
  const netns = path.join(root, 'netns');
  mkdirSync(cache);
  mkdirSync(netns);
  const put = (name: string, text: string) => writeFileSync(path.join(cache, name), text);
  put(`k8s-pod-network-${ID}-eth0`, doc({ netns: `${netns}/cni-dead` }));
  put(`k8s-pod-network-${OTHER}-eth0`, doc({ id: OTHER, netns: `${netns}/cni-alive` }));
  writeFileSync(`${netns}/cni-alive`, '');
  put(`podman-${ID}-eth0`, doc({ infra: null, netns: `${netns}/cni-dead` }));
  put(`elsewhere-${ID}-eth0`, doc({ netns: '/var/run/netns/cni-x' }));
  put('garbage', 'not json');
  put('big', ' '.repeat(2 << 20));
  symlinkSync(path.join(cache, `k8s-pod-network-${ID}-eth0`), path.join(cache, 'a-link'));

  const scan = scanCniCache(cache, [netns]);
  t.same(
    scan.entries.map((e) => path.basename(e.path)),
    [`k8s-pod-network-${ID}-eth0`, `k8s-pod-network-${OTHER}-eth0`],
    'the two CRI sandbox files whose netns lies in the netns dir',
  );
  t.equal(scan.foreign, 4, 'podman, another netns dir, garbage and an oversized file are not ours');
  t.same(
    scan.odd.map((o) => [path.basename(o.path), o.type]),
    [['a-link', 'symlink']],
    'a symlink is an odd entry: never followed, left and reported',
  );
  t.same(scan.problems, []);
  t.same(scanCniCache(path.join(root, 'absent'), [netns]), { entries: [], foreign: 0, problems: [], odd: [] }, 'no cache dir: nothing');
  t.same(scanCniCache('', [netns]).entries, [], '"" = none');

  const [dead, alive] = scan.entries;
  t.match(
    removeStaleCacheFile(alive, cache, [netns]),
    { outcome: 'skipped', message: /netns .*cni-alive still exists/ },
    'a netns file still there: left',
  );
  // Rewritten since the scan (a new sandbox reusing the name cannot happen, but a changed file must not be taken for the old one).
  put(`k8s-pod-network-${ID}-eth0`, doc({ netns: `${netns}/cni-other` }));
  t.match(
    removeStaleCacheFile(dead, cache, [netns]),
    { outcome: 'skipped', message: /no longer describes/ },
    'changed since the scan: left',
  );
  put(`k8s-pod-network-${ID}-eth0`, doc({ netns: `${netns}/cni-dead` }));
  t.match(removeStaleCacheFile(dead, cache, [netns]), { outcome: 'done' }, 'the dead sandbox with its netns gone: removed');
  t.match(removeStaleCacheFile(dead, cache, [netns]), { outcome: 'gone' }, 'twice: already gone');
  writeFileSync(path.join(root, 'outside'), doc({ id: OTHER, netns: `${netns}/cni-gone` }));
  t.throws(
    () => removeStaleCacheFile({ path: path.join(root, 'outside'), containerId: OTHER, netns: `${netns}/cni-gone` }, cache, [netns]),
    { code: 'KS_PATH_OUTSIDE_SCOPE' },
    'a file outside the cache dir is refused',
  );
  t.ok(readdirSync(root).includes('outside'), 'and stays');
  t.same(
    readdirSync(cache).sort(),
    ['a-link', 'big', `elsewhere-${ID}-eth0`, 'garbage', `k8s-pod-network-${OTHER}-eth0`, `podman-${ID}-eth0`].sort(),
    'every other file stays',
  );
  t.end();
});
