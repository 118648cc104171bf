import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { idsFromPath, parseCgroup } from '../../../../agent/daemon/ports/cgroup';

const FIX = path.join(__dirname, '../../../fixtures/ports');
const fixture = (name: string) => readFileSync(path.join(FIX, name), 'utf8');

t.test('cgroup v1, cgroupfs driver, testbed container (/<parent>/<id>)', async (t) => {
  t.same(parseCgroup(fixture('cgroup-v1-testbed-container.txt')), {
    containerId: 'a70a01f2ccc862e4628ca9b4fe09a7dd523d4cef26ee8fe916289ca3243df6aa',
  });
  t.same(
    parseCgroup(fixture('cgroup-v1-testbed-pause.txt')),
    { containerId: '046746af362f18f1e41b800dfccda0184de149552e8b5d33eb0b09566bae9f84' },
    'a pause process yields its sandbox id',
  );
});

t.test('a host process: no container, even with a 32-hex segment in one hierarchy', async (t) => {
  t.same(parseCgroup(fixture('cgroup-v1-host-process.txt')), {});
});

t.test('cgroup v1, cgroupfs driver, /kubepods/<qos>/pod<uid>/<id>', async (t) => {
  t.same(parseCgroup(fixture('cgroup-v1-cgroupfs-kubepods.txt')), {
    containerId: 'dbc9f149296cec5d12b78385eb5b2c0cfe20b476f117c15c76d981cff44053c1',
    podUid: '85401dd3-38cd-47b6-a90a-e16c0e1c06e6',
  });
});

t.test('cgroup v2, systemd driver, …-pod<uid_>.slice/cri-containerd-<id>.scope', async (t) => {
  t.same(parseCgroup(fixture('cgroup-v2-systemd-cri-containerd.txt')), {
    containerId: 'e58a24d4a722c99712cff74ef69d93311089584eb32617b3890e0dcb996133f1',
    podUid: '7fda01c4-0ece-403d-88b4-c371d66d132a',
  });
  t.same(
    parseCgroup(fixture('cgroup-v2-kind-kubelet-slice.txt')),
    {
      containerId: 'a09bc17f5aa29b0dbdec9ede5f46cf1396d2405917ab02e6f1eb1019f388396e',
      podUid: '1e597579-417e-482f-bf65-5fe170c3aebd',
    },
    'kind nests kubepods under kubelet.slice',
  );
});

t.test('cgroup v1, containerd systemd name left unexpanded (slice:cri-containerd:<id>)', async (t) => {
  t.same(parseCgroup(fixture('cgroup-v1-systemd-colon-cri-containerd.txt')), {
    containerId: 'ee4b20e90ac7f42a10bd004d05646b13d8ab5e2c5e7cbc01abf8006bac016459',
    podUid: '0125ec2f-b64a-4868-8f5b-94b56cbab864',
  });
});

t.test('cgroup v1, systemd driver, CRI-O scope', async (t) => {
  t.same(parseCgroup(fixture('cgroup-v1-systemd-crio.txt')), {
    containerId: '5eed917563583925ffdbd40a64efb2aaffe58638e57add8becaf460fe74f5b1c',
    podUid: 'a5c1f8d5-1919-434d-add7-4afaafdaef89',
  });
});

t.test('static pod uid (32-hex config hash) and pod-level cgroups', async (t) => {
  t.same(
    idsFromPath('/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod99dcb84d2a34f7e338778606703258c4.slice'),
    { podUid: '99dcb84d2a34f7e338778606703258c4' },
    'pod slice without container',
  );
  const lines = fixture('cgroup-v2-systemd-cri-containerd.txt').trim();
  const podOnly = lines.slice(0, lines.lastIndexOf('/'));
  t.same(
    parseCgroup(podOnly),
    { podUid: '7fda01c4-0ece-403d-88b4-c371d66d132a' },
    'a process in the pod cgroup itself: uid but no container',
  );
});

t.test('malformed and odd input never throws', async (t) => {
  t.same(parseCgroup(''), {});
  t.same(parseCgroup('garbage\n\n::\n0::/\n'), {});
  t.same(parseCgroup('0::/user.slice/user-0.slice/session-1.scope'), {});
  t.same(parseCgroup('0::/docker/' + 'a'.repeat(63)), {}, '63 hex chars is not a container id');
  t.same(parseCgroup('0::/system.slice/docker-' + 'b'.repeat(64) + '.scope'), { containerId: 'b'.repeat(64) }, 'docker scope');
  t.same(parseCgroup('12:memory:/x\n0::/k8s.io/' + 'c'.repeat(64)), { containerId: 'c'.repeat(64) }, 'the first line with an id wins');
});
