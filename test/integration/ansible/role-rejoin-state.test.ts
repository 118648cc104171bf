// The kubesweep role's opt-in `kubesweep_rejoin_state`, as Ansible itself computes it: the role's
// defaults and vars loaded into a play against an inventory with an etcd host and a worker, and
// the reset argv each host would run printed. Off: no rejoin kinds; on: kubelet-state on every
// host, etcd-data only on hosts of the etcd group. No agent is called.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../agent/shared/paths';
import { ansibleEnv, ensureAnsible } from '../../helpers/ansible';

const ROLE = path.join(packageRoot(), 'scripts', 'ansible', 'roles', 'kubesweep');

function resetArgv(dir: string, extra: Record<string, unknown>): Record<string, string[]> {
  const inventory = path.join(dir, 'hosts.ini');
  writeFileSync(inventory, '[etcd]\ncp1\n[kube_control_plane]\ncp1\n[kube_node]\nworker1\n');
  const play = path.join(dir, 'play.yml');
  writeFileSync(
    play,
    [
      '- hosts: all',
      '  gather_facts: false',
      '  connection: local',
      `  vars_files: ['${ROLE}/defaults/main.yml', '${ROLE}/vars/main.yml']`,
      '  tasks:',
      '    - debug: { msg: "ARGV {{ inventory_hostname }} {{ _ks_reset_argv | to_json }}" }',
      '',
    ].join('\n'),
  );
  const vars = path.join(dir, `vars-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(vars, JSON.stringify({ kubesweep_node_name: 'n', ...extra }));
  const r = spawnSync('ansible-playbook', ['-i', inventory, play, '-e', `@${vars}`], { env: ansibleEnv(dir), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ansible-playbook failed: ${r.stdout}${r.stderr}`);
  const out: Record<string, string[]> = {};
  for (const m of r.stdout.matchAll(/"msg": "ARGV (\S+) (.*)"\n/g)) out[m[1]] = JSON.parse(JSON.parse(`"${m[2]}"`)) as string[];
  return out;
}

const withOf = (argv: string[] | undefined) => {
  const i = (argv ?? []).indexOf('--with');
  return i < 0 ? [] : argv![i + 1].split(',');
};

t.test('kubesweep_rejoin_state: kubelet-state everywhere, etcd-data on etcd hosts; off by default', async (t) => {
  ensureAnsible();
  const dir = mkdtempSync('/tmp/ks-role-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const off = resetArgv(dir, {});
  t.same(Object.keys(off).sort(), ['cp1', 'worker1'], 'both hosts printed their argv');
  t.same([withOf(off.cp1), withOf(off.worker1)], [[], []], 'off by default: no rejoin kinds');
  const on = resetArgv(dir, { kubesweep_rejoin_state: true, kubesweep_with: ['firewall'] });
  t.same(withOf(on.cp1), ['firewall', 'kubelet-state', 'etcd-data'], 'the etcd host: both kinds, next to what was asked');
  t.same(withOf(on.worker1), ['firewall', 'kubelet-state'], 'a worker: the kubelet state only');
});
