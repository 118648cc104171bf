// The reset bench's CRI call counter (scripts/bench/cri-counter.ts) counts every RPC a real
// CriClient sends, by name, whether it succeeds or not — here against a socket that is absent,
// so each call fails fast inside the client, past the one place every RPC goes through.
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { CriClient } from '../../../agent/daemon/cri/client';
import { countingCri, formatTally } from '../../../scripts/bench/cri-counter';

t.test('counts each RPC by name, per pod in its summary', async (t) => {
  const dir = mkdtempSync('/tmp/kscc-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const inner = new CriClient({ endpoint: `unix://${path.join(dir, 'absent.sock')}` });
  t.teardown(() => inner.close());
  const counted = countingCri(inner);
  const { cri, tally } = counted;
  await t.rejects(cri.listPodSandbox(), { code: 'KS_CRI_UNAVAILABLE' });
  await t.rejects(cri.stopPodSandbox('a'));
  await t.rejects(cri.stopPodSandbox('b'));
  await t.rejects(cri.removePodSandbox('a'));
  t.same(
    Object.fromEntries([...tally].map(([rpc, x]) => [rpc, x.calls])),
    { ListPodSandbox: 1, StopPodSandbox: 2, RemovePodSandbox: 1 },
    'one count per RPC sent, whatever the method that sent it',
  );
  t.match(formatTally(tally, 2), /^4 CRI calls = 2\.00\/pod: StopPodSandbox 2 \(1\.00\/pod, /);
  counted.reset();
  t.equal(tally.size, 0, 'reset clears the tally');
  t.equal(cri.endpoint, inner.endpoint, 'everything else is the client itself');
});
