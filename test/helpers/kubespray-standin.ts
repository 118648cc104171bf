// A stand-in Kubespray tree for the tests of kubespray-remove-node.yml, written here (nothing of
// Kubespray's is copied): playbooks/remove_node.yml with the play structure the kubesweep role
// compares against (roles/kubesweep/files/kubespray-remove-node.plays.json: play names, hosts,
// roles with their when and tags, task names), and the roles that playbook and
// kubespray-remove-node.yml use. Each role does what Kubespray's does to the node that matters
// here, and records it on the controller (one line "<what> <node>" in `record`):
//   remove_node/pre_remove       "drain <node>" (delegated to the first control plane host);
//   remove-node/remove-etcd-node "member remove" to the stand-in etcd's client port from the
//                                first etcd host, as etcdctl does; "remove-etcd-member <node>";
//   reset                        stops and disables kubelet.service, then containerd.service,
//                                etcd.service and etcd-events.service (failed_when: false, as
//                                Kubespray's); "reset <node>";
//   remove-node/post-remove      "delete-node <node>".
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../agent/shared/paths';

export const PLAYS_FILE = path.join(packageRoot(), 'scripts', 'ansible', 'roles', 'kubesweep', 'files', 'kubespray-remove-node.plays.json');

interface PlaySummary {
  kind: 'play' | 'import_playbook';
  name: string;
  hosts?: string;
  import_playbook?: string;
  when?: string;
  roles?: { role: string; when: string; tags: string }[];
  tasks?: string[];
}

export interface StandInOptions {
  /** Controller path of the record file. */
  record: string;
  /** The stand-in etcd's client port (loopback). */
  etcdClientPort: number;
  /** Plays appended to remove_node.yml (YAML text), to make it drift. */
  extraPlays?: string;
}

const q = (s: string) => JSON.stringify(s);

/** remove_node.yml from the expected structure: each task a debug named like Kubespray's. */
function removeNodeYaml(plays: PlaySummary[]): string {
  const out = ['---'];
  for (const p of plays) {
    if (p.kind === 'import_playbook') {
      out.push(`- name: ${q(p.name)}`, `  import_playbook: ${q(p.import_playbook!)}`);
      if (p.when) out.push(`  when: ${q(p.when)}`);
      out.push('');
      continue;
    }
    out.push(`- name: ${q(p.name)}`, `  hosts: ${q(p.hosts!)}`, '  gather_facts: false');
    for (const section of ['pre_tasks', 'tasks']) {
      const tasks = (p.tasks ?? []).filter((t) => t.startsWith(`${section}: `)).map((t) => t.slice(section.length + 2));
      if (tasks.length)
        out.push(`  ${section}:`, ...tasks.map((t) => `    - name: ${q(t)}\n      ansible.builtin.debug:\n        msg: stand-in`));
    }
    if (p.roles?.length) {
      out.push('  roles:');
      for (const r of p.roles)
        out.push(
          `    - role: ${q(r.role)}`,
          ...(r.when ? [`      when: ${q(r.when)}`] : []),
          ...(r.tags ? [`      tags: ${q(r.tags)}`] : []),
        );
    }
    out.push('');
  }
  return out.join('\n');
}

const recordTask = (what: string, record: string, extra = '') =>
  `- name: Record ${what}\n  ansible.builtin.shell: echo "${what} {{ kube_override_hostname }}" >> ${q(record)}\n  delegate_to: "{{ groups['kube_control_plane'] | first }}"\n  changed_when: false\n${extra}`;

export function writeStandInKubespray(dir: string, o: StandInOptions): void {
  const plays = (JSON.parse(readFileSync(PLAYS_FILE, 'utf8')) as { plays: PlaySummary[] }).plays;
  const file = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  file('ansible.cfg', '[defaults]\nroles_path = roles\n');
  file('playbooks/remove_node.yml', removeNodeYaml(plays) + (o.extraPlays ?? ''));
  file(
    'playbooks/boilerplate.yml',
    '- name: Inventory setup and validation (stand-in)\n  hosts: all\n  gather_facts: false\n  tasks:\n    - name: Nothing to set up\n      ansible.builtin.debug:\n        msg: stand-in\n',
  );
  file(
    'playbooks/internal_facts.yml',
    '- name: Gather facts (stand-in)\n  hosts: k8s_cluster:etcd\n  gather_facts: false\n  tasks:\n    - name: No facts needed\n      ansible.builtin.debug:\n        msg: stand-in\n',
  );
  file(
    'roles/kubespray_defaults/defaults/main.yml',
    'proxy_disable_env: {}\nkube_override_hostname: "{{ inventory_hostname }}"\ncontainer_manager: containerd\netcd_deployment_type: host\nallow_ungraceful_removal: false\n',
  );
  file('roles/kubespray_defaults/tasks/main.yml', '- name: Kubespray defaults (stand-in)\n  ansible.builtin.debug:\n    msg: stand-in\n');
  file('roles/remove_node/pre_remove/tasks/main.yml', recordTask('drain', o.record));
  file(
    'roles/remove-node/remove-etcd-node/tasks/main.yml',
    `- name: Remove member from cluster
  ansible.builtin.command:
    argv:
      - python3
      - -c
      - "import socket,sys; s=socket.create_connection(('127.0.0.1', int(sys.argv[1])), 2); s.sendall(b'member remove'); print(s.recv(200).decode())"
      - "${o.etcdClientPort}"
  delegate_to: "{{ groups['etcd'] | first }}"
  register: etcd_removal_output
  failed_when: false
  changed_when: "'Removed member' in etcd_removal_output.stdout"
${recordTask('remove-etcd-member', o.record, "  when: \"'Removed member' in etcd_removal_output.stdout | default('')\"\n")}`,
  );
  file(
    'roles/reset/tasks/main.yml',
    `- name: Reset | stop services
  ansible.builtin.service:
    name: "{{ item }}"
    state: stopped
    enabled: false
  with_items: [kubelet.service]
  failed_when: false
- name: Reset | stop containerd and etcd services
  ansible.builtin.service:
    name: "{{ item }}"
    state: stopped
    enabled: false
  with_items: [containerd.service, etcd.service, etcd-events.service]
  failed_when: false
${recordTask('reset', o.record)}`,
  );
  file('roles/remove-node/post-remove/tasks/main.yml', recordTask('delete-node', o.record));
}
