// The shipped unit files: systemd-analyze verify accepts them, the agent keeps only the
// capabilities its job needs and stays in the host mount namespace, the reset unit is a
// oneshot that needs the node name from /etc/kubesweep/reset.env.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../../agent/shared/paths';

const dir = path.join(packageRoot(), 'systemd');
const agentUnit = path.join(dir, 'kubesweep-agent.service');
const resetUnit = path.join(dir, 'kubesweep-reset.service');

function directives(file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1], [...(out.get(m[1]) ?? []), m[2]]);
  }
  return out;
}

t.test('systemd-analyze verify accepts both units', async (t) => {
  let out = '';
  try {
    out = execFileSync('systemd-analyze', ['verify', agentUnit, resetUnit], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; status?: number };
    t.fail(`systemd-analyze verify failed (${e.status}): ${e.stderr}`);
  }
  t.equal(out.trim(), '', 'no complaints');
});

t.test('agent unit: restart on failure, least capabilities, host mount namespace', async (t) => {
  const d = directives(agentUnit);
  t.same(d.get('Restart'), ['on-failure']);
  t.same(d.get('RestartPreventExitStatus'), ['2'], 'a bad config does not restart-loop');
  t.same(d.get('CapabilityBoundingSet')![0].split(' ').sort(), [
    'CAP_CHOWN',
    'CAP_DAC_OVERRIDE',
    'CAP_DAC_READ_SEARCH',
    'CAP_FOWNER',
    'CAP_KILL',
    'CAP_SYS_ADMIN',
    'CAP_SYS_PTRACE',
  ]);
  for (const k of ['NoNewPrivileges', 'LockPersonality', 'RestrictSUIDSGID', 'RestrictRealtime']) t.same(d.get(k), ['yes'], k);
  t.same(d.get('RestrictAddressFamilies'), ['AF_UNIX AF_INET AF_INET6 AF_NETLINK']);
  t.same(d.get('SystemCallArchitectures'), ['native']);
  t.same(d.get('RuntimeDirectoryMode'), ['0700'], 'socket dir 0700');
  for (const k of [
    'PrivateTmp',
    'ProtectHome',
    'ProtectSystem',
    'PrivateMounts',
    'ReadOnlyPaths',
    'ReadWritePaths',
    'PrivateDevices',
    'ProtectKernelTunables',
    'ProtectKernelModules',
    'ProtectControlGroups',
    'ProtectProc',
    'TemporaryFileSystem',
    'BindPaths',
  ]) {
    t.notOk(d.has(k), `${k} absent: it would give the agent a private mount namespace`);
  }
  t.match(d.get('ExecStart')![0], /dist\/agent\/daemon\/main\.js --config \/etc\/kubesweep\/config\.yaml$/);
  t.ok(Number(d.get('TimeoutStopSec')![0].replace(/s$/, '')) > 60, "stop timeout longer than the agent's 60 s shutdown grace");
});

t.test('reset unit: oneshot through the local socket, node name from the environment file', async (t) => {
  const d = directives(resetUnit);
  t.same(d.get('Type'), ['oneshot']);
  t.same(d.get('EnvironmentFile'), ['/etc/kubesweep/reset.env'], 'required (no "-"): no file, no reset');
  t.same(d.get('AssertPathExists'), ['/etc/kubesweep/reset.env'], 'a missing file fails the start instead of skipping it silently');
  t.match(d.get('ExecStart')![0], /cli\.js --agent unix:\/\/\/run\/kubesweep\/agent\.sock reset --confirm \$\{KUBESWEEP_NODE\}/);
  t.same(d.get('Requires'), ['kubesweep-agent.service']);
  t.same(d.get('CapabilityBoundingSet'), [''], 'the client needs no capability');
  t.same(d.get('RestrictAddressFamilies'), ['AF_UNIX']);
});
