// The agents file reads Ansible inventories (Kubespray's hosts.yaml or an INI file) itself, so a
// fan-out can be pointed at the inventory the operator already has. Here Debian's
// ansible-inventory reads the same files, host ranges included, and both must name the same
// hosts per group and the same endpoint per host (ansible_host and kubesweep_port as Ansible
// resolves them through group vars).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { parseAgentsFile } from '../../../agent/client/agents-file';
import { DEFAULT_AGENT_PORT } from '../../../agent/shared/endpoint';
import { ansibleEnv, ensureAnsible } from '../../helpers/ansible';

const INI = `
[kube_control_plane]
cp[1:3]

[kube_node]
node[01:12:3]
node04 ansible_host=10.0.0.4
gpu-[a:c] kubesweep_port=9600
r[1:2]n[08:10]

[kube_node:vars]
kubesweep_port=9500

[etcd]
cp[1:3]

[k8s_cluster:children]
kube_control_plane
kube_node
`;

const YAML = `
all:
  vars:
    kubesweep_port: 9000
  children:
    kube_control_plane:
      hosts:
        cp[a:b]:
    kube_node:
      hosts:
        worker[1:20:4]:
        worker5:
          ansible_host: 10.0.1.5
        edge-[08:11]:
      vars:
        kubesweep_port: 9500
    k8s_cluster:
      children:
        kube_control_plane:
        kube_node:
`;

type Listing = Record<string, { hosts?: string[]; children?: string[] }> & {
  _meta: { hostvars: Record<string, Record<string, string | number | undefined>> };
};

function ansibleList(file: string, dir: string): Listing {
  return JSON.parse(execFileSync('ansible-inventory', ['-i', file, '--list'], { env: ansibleEnv(dir), encoding: 'utf8' })) as Listing;
}

function members(list: Listing, group: string): string[] {
  const g = list[group];
  if (!g) return [];
  return [...new Set([...(g.hosts ?? []), ...(g.children ?? []).flatMap((c) => members(list, c))])].sort();
}

for (const [kind, text, groups] of [
  ['INI', INI, ['kube_control_plane', 'kube_node', 'etcd', 'k8s_cluster']],
  ['YAML', YAML, ['kube_control_plane', 'kube_node', 'k8s_cluster']],
] as const) {
  t.test(`${kind} inventory with host ranges: the same hosts and endpoints as ansible-inventory`, async (t) => {
    ensureAnsible();
    const dir = mkdtempSync(path.join(tmpdir(), 'ks-inv-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, kind === 'INI' ? 'hosts.ini' : 'hosts.yaml');
    writeFileSync(file, text);
    const list = ansibleList(file, dir);

    const ours = parseAgentsFile(text, { source: file });
    t.same(ours.map((h) => h.node).sort(), members(list, 'all'), 'all hosts');
    t.ok(ours.length >= 9, `${ours.length} hosts`);
    for (const g of groups) {
      const theirs = members(list, g);
      t.ok(theirs.length > 0, `ansible has hosts in ${g}`);
      t.same(
        parseAgentsFile(text, { group: g })
          .map((h) => h.node)
          .sort(),
        theirs,
        `group ${g}: ${theirs.join(' ')}`,
      );
    }
    for (const h of ours) {
      const vars = list._meta.hostvars[h.node!] ?? {};
      const expected = `${String(vars.ansible_host ?? h.node)}:${String(vars.kubesweep_port ?? DEFAULT_AGENT_PORT)}`;
      t.equal(h.endpoint, expected, `${h.node} endpoint`);
    }
  });
}
