import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { parseCniTeardownError, parseLoadedCniConfig } from '../../../../agent/daemon/cri/cni';

const FIX = path.join(__dirname, '../../../fixtures/cri');
const lines = readFileSync(path.join(FIX, 'stop-sandbox-errors.txt'), 'utf8').split('\n').filter(Boolean);

t.test('StopPodSandbox with a DEL that fails the way Calico does (captured on the testbed)', async (t) => {
  t.same(parseCniTeardownError(lines[0]), {
    sandboxId: '11796becdabe102a7d77e32662880cd80e1a3e8e3f30fe69538badde7151104b',
    plugin: 'ks-fault',
    pluginMessage: 'error getting ClusterInformation: connection is unauthorized: Unauthorized',
    kind: 'failed',
  });
});

t.test('a hanging DEL, killed at the deadline, is told apart from a failing one', async (t) => {
  const f = parseCniTeardownError(lines[1]);
  t.equal(f?.kind, 'killed');
  t.equal(f?.plugin, 'ks-fault');
});

t.test('RemovePodSandbox wraps the same failure ("failed to forcibly stop sandbox")', async (t) => {
  const f = parseCniTeardownError(lines[2]);
  t.equal(f?.sandboxId, '28be9e1b2f35a3f450d4d1f29325b53bed2e19a93c17c2ab111a943773684dd2');
  t.equal(f?.kind, 'failed');
  t.match(f?.pluginMessage, /Unauthorized$/);
});

t.test('not a CNI teardown failure', async (t) => {
  t.equal(
    parseCniTeardownError(
      'CRI StopPodSandbox(abc) failed: UNKNOWN: failed to stop sandbox container "abc" in "SANDBOX_READY" state: context deadline exceeded',
    ),
    undefined,
  );
  t.equal(parseCniTeardownError('CRI StopPodSandbox(abc): no answer within 60000 ms'), undefined);
  t.equal(parseCniTeardownError(''), undefined);
  // A teardown error without a plugin (go-cni before a plugin ran) still counts.
  t.same(parseCniTeardownError('failed to destroy network for sandbox "abc": cni config not initialized'), {
    sandboxId: 'abc',
    pluginMessage: 'cni config not initialized',
    kind: 'failed',
  });
});

t.test('containerd 1.6.20 Status(verbose): the CNI networks it has loaded', async (t) => {
  const st = JSON.parse(readFileSync(path.join(FIX, 'status-verbose-testbed.json'), 'utf8')) as { info: Record<string, string> };
  t.same(parseLoadedCniConfig(st.info), {
    confDir: '/tmp/ks-bajvPO/cni/net.d',
    maxConfNum: 1,
    networks: ['kubesweep-testbed-ks-bajvPO'],
    binDirs: ['/tmp/ks-bajvPO/cni/bin'],
    lastLoadStatus: 'OK',
  });
  t.equal(parseLoadedCniConfig({}), undefined, 'no verbose info');
  t.equal(parseLoadedCniConfig({ cniconfig: 'not json' }), undefined);
  t.equal(parseLoadedCniConfig({ cniconfig: '{"Networks":[]}' }), undefined, 'no conf dir');
});
