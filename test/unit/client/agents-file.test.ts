import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../agent/shared/paths';
import { looksLikeIni, parseAgentsFile, parseIniInventory } from '../../../agent/client/agents-file';

t.test('NODE ENDPOINT lines: comments, blank lines, normalised endpoints', async (t) => {
  const text =
    '# removed on Tuesday\nnode1   unix:///run/kubesweep/agent.sock\n\nnode2 10.0.0.2:9443   # rack 2\nnode3 [fd00::3]:9443\nnode4 /tmp/x.sock\n';
  t.notOk(looksLikeIni(text));
  t.same(parseAgentsFile(text), [
    { node: 'node1', endpoint: 'unix:///run/kubesweep/agent.sock' },
    { node: 'node2', endpoint: '10.0.0.2:9443' },
    { node: 'node3', endpoint: '[fd00::3]:9443' },
    { node: 'node4', endpoint: 'unix:///tmp/x.sock' },
  ]);
});

t.test('NODE ENDPOINT lines: errors name the file and line', async (t) => {
  t.throws(() => parseAgentsFile('node1\n', { source: 'f.txt' }), {
    code: 'KS_INVALID_ARGUMENT',
    message: /^f\.txt:1: expected "NODE ENDPOINT"/,
  });
  t.throws(() => parseAgentsFile('node1 a b\n', { source: 'f.txt' }), { message: /f\.txt:1/ });
  t.throws(() => parseAgentsFile('# x\nnode_1 /a.sock\n', { source: 'f.txt' }), { message: /f\.txt:2: "node_1" is not a valid node name/ });
  t.throws(() => parseAgentsFile('node1 nowhere\n', { source: 'f.txt' }), { message: /f\.txt:1: endpoint "nowhere"/ });
  t.throws(() => parseAgentsFile('node1 /a.sock\nnode1 /b.sock\n'), { message: /node node1 is listed twice/ });
  t.throws(() => parseAgentsFile('node1 /a.sock\nnode2 unix:///a.sock\n'), {
    message: /node2 and node1 share the endpoint unix:\/\/\/a\.sock/,
  });
  t.throws(() => parseAgentsFile('# nobody\n\n'), { message: /no agents listed/ });
});

const KUBESPRAY_INI = `
# Kubespray-style inventory of the nodes being removed
[all]
node1 ansible_host=10.0.0.11 ip=10.0.0.11
node2 ansible_host=10.0.0.12 kubesweep_endpoint=10.0.0.12:9555
node3 ansible_host="fd00::13"
cp1 ansible_host=10.0.0.1

[kube_control_plane]
cp1

[kube_node]
node1
node2
node3 kubesweep_port=9444

[k8s_cluster:children]
kube_control_plane
kube_node

[kube_node:vars]
kubesweep_port=9500
`;

t.test('INI inventory: host names are node names; endpoint from kubesweep_endpoint, ansible_host, ports', async (t) => {
  t.ok(looksLikeIni(KUBESPRAY_INI));
  t.same(parseAgentsFile(KUBESPRAY_INI), [
    { node: 'node1', endpoint: '10.0.0.11:9500' },
    { node: 'node2', endpoint: '10.0.0.12:9555' },
    { node: 'node3', endpoint: '[fd00::13]:9444' },
    { node: 'cp1', endpoint: '10.0.0.1:9443' },
  ]);
  t.same(
    parseIniInventory(KUBESPRAY_INI, { group: 'kube_control_plane', port: 7000 }),
    [{ node: 'cp1', endpoint: '10.0.0.1:7000' }],
    '--group and --port',
  );
  t.same(
    parseIniInventory(KUBESPRAY_INI, { group: 'k8s_cluster' }).map((x) => x.node),
    ['cp1', 'node1', 'node2', 'node3'],
    "a :children group takes its child groups' hosts",
  );
  t.throws(() => parseIniInventory(KUBESPRAY_INI, { group: 'etcd' }), { message: /no group \[etcd\]/ });
});

t.test('INI inventory: kubesweep_node_name is the guard when the host name is not the node name', async (t) => {
  t.same(parseAgentsFile('[kubesweep_reset]\nworker-7 ansible_host=10.0.0.17 kubesweep_node_name=worker-7.cluster.internal\n'), [
    { node: 'worker-7.cluster.internal', endpoint: '10.0.0.17:9443' },
  ]);
  t.throws(() => parseAgentsFile('[x]\nw7 kubesweep_node_name=Bad_Name\n', { source: 'inv' }), {
    message: /inv:2: "Bad_Name" is not a valid node name/,
  });
});

t.test('the example inventory shipped for the Ansible playbook parses', async (t) => {
  const text = readFileSync(path.join(packageRoot(), 'scripts', 'ansible', 'inventory.example.ini'), 'utf8');
  t.same(parseAgentsFile(text, { group: 'kubesweep_reset' }), [
    { node: 'node5', endpoint: '10.0.0.15:9443' },
    { node: 'node6', endpoint: '10.0.0.16:9443' },
    { node: 'worker-7.cluster.internal', endpoint: '10.0.0.17:9443' },
  ]);
});

t.test('INI inventory: a host without ansible_host dials its own name; bad lines are refused', async (t) => {
  t.same(
    parseAgentsFile(
      '[remove]\nworker-7.example.org\nlocalhost ansible_connection=local kubesweep_endpoint=unix:///run/kubesweep/agent.sock\n',
    ),
    [
      { node: 'worker-7.example.org', endpoint: 'worker-7.example.org:9443' },
      { node: 'localhost', endpoint: 'unix:///run/kubesweep/agent.sock' },
    ],
  );
  t.throws(() => parseAgentsFile('[nodes]\nnode1 ansible_host\n', { source: 'inv' }), { message: /inv:2: expected key=value/ });
  t.throws(() => parseAgentsFile('[nodes:weird]\nnode1\n', { source: 'inv' }), { message: /unknown section kind ":weird"/ });
});

// Kubespray's inventory/mycluster/hosts.yaml shape.
const KUBESPRAY_YAML = `
all:
  hosts:
    node1:
      ansible_host: 10.0.0.11
      ip: 10.0.0.11
    node2:
      ansible_host: 10.0.0.12
      kubesweep_endpoint: "10.0.0.12:9555"
    worker-7:
      ansible_host: 10.0.0.17
      kubesweep_node_name: worker-7.cluster.internal
  vars:
    kubesweep_port: 9000
  children:
    kube_control_plane:
      hosts:
        node1:
    kube_node:
      hosts:
        node2:
        worker-7:
      vars:
        kubesweep_port: 9500
    k8s_cluster:
      children:
        kube_control_plane:
        kube_node:
`;

t.test('YAML inventory (Kubespray hosts.yaml): hosts, children, vars, precedence', async (t) => {
  t.same(
    parseAgentsFile(KUBESPRAY_YAML, { source: 'hosts.yaml' }),
    [
      { node: 'node1', endpoint: '10.0.0.11:9000' },
      { node: 'node2', endpoint: '10.0.0.12:9555' },
      { node: 'worker-7.cluster.internal', endpoint: '10.0.0.17:9500' },
    ],
    'group vars fill in, the more specific group wins, host vars win over both',
  );
  t.same(
    parseAgentsFile(KUBESPRAY_YAML, { group: 'kube_node' }).map((x) => x.node),
    ['node2', 'worker-7.cluster.internal'],
  );
  t.same(
    parseAgentsFile(KUBESPRAY_YAML, { group: 'k8s_cluster' }).map((x) => x.node),
    ['node1', 'node2', 'worker-7.cluster.internal'],
    'a group of groups',
  );
  t.throws(() => parseAgentsFile(KUBESPRAY_YAML, { group: 'etcd', source: 'hosts.yaml' }), { message: /hosts\.yaml: no group etcd/ });
  t.throws(() => parseAgentsFile('all:\n  hosts:\n    Node_1:\n', { source: 'h.yaml' }), { message: /not a valid node name/ });
  t.same(parseAgentsFile('node1 /a.sock\n'), [{ node: 'node1', endpoint: 'unix:///a.sock' }], 'plain lines are not mistaken for YAML');
});

t.test('host ranges expand as in Ansible, each host with the vars of its line or group', async (t) => {
  const ini =
    '[kube_node]\nnode[01:03] kubesweep_port=9500\nnode02 ansible_host=10.0.0.2\n\n[gpu]\ngpu-[a:b]\n\n[gpu:vars]\nkubesweep_port=9600\n';
  t.same(
    parseAgentsFile(ini),
    [
      { node: 'node01', endpoint: 'node01:9500' },
      { node: 'node02', endpoint: '10.0.0.2:9500' },
      { node: 'node03', endpoint: 'node03:9500' },
      { node: 'gpu-a', endpoint: 'gpu-a:9600' },
      { node: 'gpu-b', endpoint: 'gpu-b:9600' },
    ],
    'a host named again after its range keeps the range vars and adds its own',
  );
  t.same(
    parseAgentsFile(ini, { group: 'gpu' }).map((h) => h.node),
    ['gpu-a', 'gpu-b'],
  );
  const yaml =
    'all:\n  children:\n    kube_node:\n      hosts:\n        worker[1:3]:\n        worker2:\n          ansible_host: 10.0.0.2\n      vars:\n        kubesweep_port: 9700\n';
  t.same(parseAgentsFile(yaml, { source: 'hosts.yaml' }), [
    { node: 'worker1', endpoint: 'worker1:9700' },
    { node: 'worker2', endpoint: '10.0.0.2:9700' },
    { node: 'worker3', endpoint: 'worker3:9700' },
  ]);
  t.throws(
    () =>
      parseAgentsFile('[nodes]\nnode[01:10]\n', { source: 'inv' }).length === 10 &&
      parseAgentsFile('[nodes]\nnode[1:]\n', { source: 'inv' }),
    { message: /^inv:2: bad host range in node\[1:\]: the end is missing/ },
  );
  t.throws(
    () => parseAgentsFile('[nodes]\nNode[1:2]\n', { source: 'inv' }),
    { message: /inv:2: "Node1" is not a valid node name/ },
    'each expanded name is checked',
  );
  t.throws(
    () => parseAgentsFile('[nodes]\nn[1:2] ansible_host=10.0.0.9\n', { source: 'inv' }),
    { message: /n2 and n1 share the endpoint 10\.0\.0\.9:9443/ },
    'one ansible_host for a whole range is refused',
  );
  t.throws(() => parseAgentsFile('all:\n  hosts:\n    node[3:1]:\n', { source: 'h.yaml' }), {
    message: /h\.yaml: bad host range in node\[3:1\]: 3 is after 1/,
  });
});
