// containerd's config file in the forms containerd writes: version 2 (1.6/1.7, the testbed's own
// form), 3 (2.0–2.2) and 4 (2.3, servers under plugins), and a version 1 file; `imports`
// override the main file; the CNI conf dir's files give the host-local data dirs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { readContainerdConfig } from '../../../../agent/daemon/runtime/containerd-config';

function tmp(t: Test): string {
  const d = mkdtempSync('/tmp/ks-ccfg-');
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function cniConf(dir: string, name: string, dataDir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, name),
    JSON.stringify({
      cniVersion: '1.0.0',
      name: 'n',
      plugins: [{ type: 'bridge', ipam: { type: 'host-local', subnet: '10.0.0.0/24', dataDir } }, { type: 'portmap' }],
    }),
  );
}

t.test('version 2 (containerd 1.x): the testbed form', async (t) => {
  const d = tmp(t);
  cniConf(path.join(d, 'net.d'), '10-a.conflist', path.join(d, 'ipam'));
  cniConf(path.join(d, 'net.d'), '20-b.conflist', '/never/loaded');
  const file = path.join(d, 'config.toml');
  writeFileSync(
    file,
    `version = 2
root = "${d}/root"
state = "${d}/state"
[grpc]
  address = "${d}/c.sock"
[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    netns_mounts_under_state_dir = true
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "${d}/net.d"
      max_conf_num = 1
`,
  );
  const r = readContainerdConfig(file);
  t.equal(r.version, 2);
  t.equal(r.address, `${d}/c.sock`);
  t.same(r.dirs, {
    containerdRoot: `${d}/root`,
    containerdState: `${d}/state`,
    netnsDirs: [`${d}/state/io.containerd.grpc.v1.cri/netns`],
    cniConfDir: `${d}/net.d`,
    cniBinDirs: ['/usr/lib/cni'],
    cniIpamDirs: [`${d}/ipam`],
    cniCacheDir: '/var/lib/cni/results',
  });
});

t.test('version 3 (containerd 2.0-2.2): the CRI runtime plugin, bin_dirs', async (t) => {
  const d = tmp(t);
  const file = path.join(d, 'config.toml');
  writeFileSync(
    file,
    `version = 3
root = '${d}/root'
state = '${d}/state'
[grpc]
  address = '${d}/c.sock'
[plugins]
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = 'registry.k8s.io/pause:3.10'
  [plugins.'io.containerd.cri.v1.runtime']
    netns_mounts_under_state_dir = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ['/opt/cni/bin', '/usr/libexec/cni']
      conf_dir = '${d}/net.d'
`,
  );
  const r = readContainerdConfig(file);
  t.equal(r.version, 3);
  t.equal(r.address, `${d}/c.sock`);
  t.same(r.dirs.netnsDirs, ['/var/run/netns']);
  t.same(r.dirs.cniBinDirs, ['/opt/cni/bin', '/usr/libexec/cni']);
  t.equal(r.dirs.cniConfDir, `${d}/net.d`);
  t.same(r.dirs.cniIpamDirs, [], 'no conf file: no data dir');
});

t.test('version 4 (containerd 2.3): grpc under plugins; imports (a glob) override the main file in order', async (t) => {
  const d = tmp(t);
  mkdirSync(path.join(d, 'conf.d'));
  const file = path.join(d, 'config.toml');
  writeFileSync(
    file,
    `version = 4
root = '/var/lib/containerd'
imports = ['conf.d/*.toml', '${d}/absent.toml']
[plugins.'io.containerd.server.v1.grpc']
  address = '${d}/v4.sock'
[plugins.'io.containerd.cri.v1.runtime']
  netns_mounts_under_state_dir = true
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    conf_dir = '/etc/cni/net.d'
`,
  );
  writeFileSync(path.join(d, 'conf.d', '10-state.toml'), `version = 4\nstate = '${d}/first'\n`);
  writeFileSync(
    path.join(d, 'conf.d', '20-state.toml'),
    `version = 4\nstate = '${d}/moved'\n[plugins.'io.containerd.cri.v1.runtime'.cni]\n  conf_dir = '${d}/net.d'\n`,
  );
  writeFileSync(path.join(d, 'conf.d', 'ignored.txt'), `state = '/nope'\n`);
  t.throws(
    () => readContainerdConfig(file),
    /absent\.toml: cannot read: ENOENT/,
    'a named import that is missing is an error, as in containerd',
  );
  writeFileSync(path.join(d, 'absent.toml'), '');
  const r = readContainerdConfig(file);
  t.equal(r.version, 4);
  t.equal(r.address, `${d}/v4.sock`);
  t.same(r.files, [file, path.join(d, 'conf.d', '10-state.toml'), path.join(d, 'conf.d', '20-state.toml'), path.join(d, 'absent.toml')]);
  t.equal(r.dirs.containerdState, `${d}/moved`, 'the later import wins');
  t.same(r.dirs.netnsDirs, [`${d}/moved/io.containerd.grpc.v1.cri/netns`], "the main file's netns setting stays (tables merge)");
  t.equal(r.dirs.cniConfDir, `${d}/net.d`, 'a nested key of an import overrides');
});

t.test('version 1 and containerd defaults', async (t) => {
  const d = tmp(t);
  const file = path.join(d, 'config.toml');
  writeFileSync(file, `[plugins.cri.cni]\n  conf_dir = "${d}/v1"\n`);
  const r = readContainerdConfig(file);
  t.equal(r.version, 1);
  t.equal(r.dirs.containerdRoot, '/var/lib/containerd');
  t.equal(r.dirs.containerdState, '/run/containerd');
  t.equal(r.address, '/run/containerd/containerd.sock');
  t.equal(r.dirs.cniConfDir, `${d}/v1`);
  t.same(r.dirs.cniBinDirs, ['/opt/cni/bin']);
});

t.test('unreadable or not TOML: an error naming the file', async (t) => {
  const d = tmp(t);
  t.throws(() => readContainerdConfig(path.join(d, 'none.toml')), /none\.toml: cannot read: ENOENT/);
  writeFileSync(path.join(d, 'bad.toml'), 'root = \n[[');
  t.throws(() => readContainerdConfig(path.join(d, 'bad.toml')), /bad\.toml: not valid TOML/);
});
