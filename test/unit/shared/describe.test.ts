// The one description of who holds a port: used by the agent for a residue's `why` and by the
// client for its output, on the engine's documents and on decoded messages alike.
import t from 'tap';
import type { Listener } from '../../../agent/daemon/ports/types';
import { describeListener, describeOwner, listenerWhere, ownerParts } from '../../../agent/shared/describe';
import { throughWire } from '../../helpers/wire';
import { listenerMsg } from '../../../agent/daemon/server/convert';

const ID = 'a'.repeat(64);

const listener: Listener = {
  protocol: 'tcp',
  family: 4,
  address: '127.0.0.1',
  port: 6443,
  inode: 1,
  netns: { inode: 4026531840, host: true, name: 'host' },
  owners: [
    {
      pid: 812,
      command: 'busybox httpd -f -p 127.0.0.1:6443',
      containerId: ID,
      containerName: 'nginx-proxy',
      pod: { name: 'nginx-proxy-node1', namespace: 'kube-system', uid: 'u', kind: 'static', hostNetwork: true, sandboxId: 's' },
      residue: false,
    },
  ],
};

t.test('where: protocol, family, address, port, netns', async (t) => {
  t.equal(listenerWhere(listener), 'tcp 127.0.0.1:6443');
  t.equal(
    listenerWhere({ ...listener, protocol: 'udp', family: 6, address: '::', netns: { inode: 9, host: false, name: 'cni-x' } }),
    'udp6 [::]:6443 in netns cni-x',
  );
  t.equal(
    listenerWhere({ ...listener, netns: { inode: 4026532182, host: false } }),
    'tcp 127.0.0.1:6443 in netns 4026532182',
    'an unnamed netns by its inode',
  );
});

t.test('owners: process, container, pod (from the CRI, else the OCI bundle, else the cgroup uid), residue', async (t) => {
  t.equal(
    describeListener(listener),
    'tcp 127.0.0.1:6443 held by pid 812 (busybox httpd -f -p 127.0.0.1:6443), container nginx-proxy, pod kube-system/nginx-proxy-node1 [static, host network]',
  );
  t.equal(
    describeOwner({
      pid: 7,
      command: 'kube-proxy',
      containerId: ID,
      residue: true,
      residueReason: 'its sandbox is gone',
      podName: 'kp',
      podNamespace: 'kube-system',
    }),
    `pid 7 (kube-proxy), container ${ID.slice(0, 13)}, pod kube-system/kp — left over: its sandbox is gone`,
  );
  t.same(ownerParts({ pid: 8, command: '', podUid: 'uid-1', residue: true }), ['pid 8 (?)', 'pod uid uid-1', 'left over']);
  t.equal(
    describeListener({ ...listener, owners: [] }),
    'tcp 127.0.0.1:6443 held by no process found (a kernel socket, or its owner exited)',
  );
  t.match(
    describeListener({ ...listener, owners: [listener.owners[0], { pid: 9, command: 'x', residue: false }] }),
    /\[static, host network\]; pid 9 \(x\)$/,
    'several owners',
  );
});

t.test('the decoded message reads the same as the engine document', async (t) => {
  const received = throughWire('Listener', listenerMsg({ ...listener, netns: { inode: 4026532182, host: false, name: 'cni-1' } }));
  t.equal(describeListener(received), describeListener({ ...listener, netns: { inode: 4026532182, host: false, name: 'cni-1' } }));
});
