import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { containerIdOfCgroup, findShimlessContainers, taskBundleOf } from '../../../../agent/daemon/host/shimless';
import type { ProcessInfo } from '../../../../agent/daemon/host/proc';

const PORTS = path.join(__dirname, '../../../fixtures/ports');
const fixture = (n: string) => readFileSync(path.join(PORTS, n), 'utf8');
const ID = 'a70a01f2ccc862e4628ca9b4fe09a7dd523d4cef26ee8fe916289ca3243df6aa';

t.test('containerIdOfCgroup: captured testbed container and pause; a host process has none', async (t) => {
  t.equal(containerIdOfCgroup(fixture('cgroup-v1-testbed-container.txt')), ID);
  t.equal(containerIdOfCgroup(fixture('cgroup-v1-testbed-pause.txt')), '046746af362f18f1e41b800dfccda0184de149552e8b5d33eb0b09566bae9f84');
  t.equal(containerIdOfCgroup(fixture('cgroup-v1-host-process.txt')), undefined);
  t.equal(containerIdOfCgroup('0::/kubesweep-testbed-abc\n'), undefined, 'the cgroup parent itself is not a container cgroup');
});

function proc(pid: number, state = 'S'): ProcessInfo {
  return { pid, ppid: 1, state, comm: 'sh', startTime: 1000 + pid, argv: ['/bin/sh'] };
}

t.test("findShimlessContainers: proven by our namespace's task bundle or the CRI, never otherwise", async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ks-shimless-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const procRoot = path.join(root, 'proc');
  const state = path.join(root, 'state');
  const ids = { ours: ID, cri: 'b'.repeat(64), moby: 'c'.repeat(64), unknown: 'd'.repeat(64), owned: 'e'.repeat(64) };
  const cg: Record<number, string> = {
    10: `0::/kubesweep-testbed-x/${ids.ours}\n`,
    11: `0::/kubesweep-testbed-x/${ids.ours}\n`,
    12: `0::/p/${ids.cri}\n`,
    13: `0::/docker/${ids.moby}\n`,
    14: `0::/p/${ids.unknown}\n`,
    15: '0::/kubesweep-testbed-x\n',
    16: `0::/p/${ids.owned}\n`,
    17: `0::/p/${ids.ours}\n`,
  };
  for (const [pid, text] of Object.entries(cg)) {
    mkdirSync(path.join(procRoot, pid), { recursive: true });
    writeFileSync(path.join(procRoot, pid, 'cgroup'), text);
  }
  const bundle = (ns: string, id: string) => {
    const d = path.join(state, 'io.containerd.runtime.v2.task', ns, id);
    mkdirSync(d, { recursive: true });
    writeFileSync(
      path.join(d, 'config.json'),
      JSON.stringify({
        annotations: {
          'io.kubernetes.cri.container-name': 'web',
          'io.kubernetes.cri.sandbox-name': 'web-1',
          'io.kubernetes.cri.sandbox-namespace': 'default',
        },
      }),
    );
  };
  bundle('k8s.io', ids.ours);
  bundle('k8s.io', ids.owned);
  bundle('moby', ids.moby);
  const found = findShimlessContainers([10, 11, 12, 13, 14, 15, 16].map((p) => proc(p)).concat([proc(17, 'Z')]), {
    procRoot,
    containerdDirs: [state],
    namespace: 'k8s.io',
    shimOwned: new Set([16]),
    criIds: new Set([ids.cri]),
  });
  t.same(
    found.map((c) => [
      c.containerId,
      c.proof === 'cri' ? 'cri' : path.relative(state, c.proof),
      c.processes.map((p) => p.pid),
      c.facts.containerName,
    ]),
    [
      [ids.ours, `io.containerd.runtime.v2.task/k8s.io/${ids.ours}`, [10, 11], 'web'],
      [ids.cri, 'cri', [12], undefined],
    ],
    "ours by bundle (both processes), and by the CRI; not moby, not an unknown id, not the parent cgroup, not a live shim's, not a zombie",
  );
});

t.test('taskBundleOf refuses ids and namespaces that would leave the task dir', async (t) => {
  t.equal(taskBundleOf('../../etc', ['/'], 'k8s.io'), undefined);
  t.equal(taskBundleOf(ID, ['/'], '../x'), undefined);
  t.equal(taskBundleOf(ID, ['/nonexistent'], 'k8s.io'), undefined);
});
