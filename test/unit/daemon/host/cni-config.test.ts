import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { DEFAULT_CNI_CONF_PATTERNS, findCniConfFiles, readForBackup } from '../../../../agent/daemon/host/cni-config';

t.test('default patterns take the Kubernetes plugins, leave other runtimes and loopback', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-cni-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const n of [
    '10-calico.conflist',
    'calico-kubeconfig',
    '10-flannel.conflist',
    '05-cilium.conflist',
    '00-multus.conf',
    '10-canal.conflist',
    '87-podman-bridge.conflist',
    '99-loopback.conf',
    '10-containerd-net.conflist',
  ])
    writeFileSync(path.join(dir, n), '{}');
  mkdirSync(path.join(dir, 'multus.d'));
  symlinkSync('/etc/passwd', path.join(dir, '20-weave.conflist'));
  const found = findCniConfFiles(dir, DEFAULT_CNI_CONF_PATTERNS).map((f) => f.name);
  t.same(found, [
    '00-multus.conf',
    '05-cilium.conflist',
    '10-calico.conflist',
    '10-canal.conflist',
    '10-flannel.conflist',
    '20-weave.conflist',
    'calico-kubeconfig',
  ]);
  t.notOk(found.includes('multus.d'), 'directories are not config files');
  const link = readForBackup(path.join(dir, '20-weave.conflist'));
  t.same(link, { data: Buffer.from('/etc/passwd'), symlink: true }, 'a symlink is backed up as its text, never followed');
  t.same(findCniConfFiles(path.join(dir, 'absent'), DEFAULT_CNI_CONF_PATTERNS), []);
});
