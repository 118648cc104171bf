// Checks, from inside a booted systemd container, that the running kubesweep-agent.service has
// exactly the sandbox its installed unit file asks for (test/helpers/unit-sandbox.ts derives it),
// and — with a copy of the unit running a probe script instead of the agent — that the sandbox
// denies what the unit says and allows what the agent needs (mount/umount).
import path from 'node:path';
import type { Test } from 'tap';
import type { NspawnMachine } from '../../scripts/testbed/nspawn';
import { capNames, expectedSandbox, PROBED_PATHS, statusCaps, statusField } from './unit-sandbox';

const PATH_PROBE = [
  'p=$1',
  'if ! ls "$p" >/dev/null 2>&1; then echo none; exit 0; fi',
  'f="$p/.ks-probe-$$"',
  'if err=$(touch "$f" 2>&1); then rm -f "$f"; echo rw; else case $err in *Read-only*) echo ro;; *) echo "other: $err";; esac; fi',
].join('\n');

const hexCaps = (mask: bigint) => `${mask.toString(16)} (${capNames(mask).join(' ') || 'none'})`;

/** The running agent (MainPID of the unit) against its installed unit file. */
export function checkRunningAgentSandbox(t: Test, vm: NspawnMachine, unit = 'kubesweep-agent.service'): void {
  const sh = (cmd: string) => vm.exec(['bash', '-c', cmd]);
  const fragment = sh(`systemctl show -p FragmentPath --value ${unit}`).stdout.trim();
  const unitText = sh(`cat ${fragment}`).stdout;
  t.match(unitText, /CapabilityBoundingSet=/, `the installed unit ${fragment} is read`);
  const want = expectedSandbox(unitText);
  const pid = Number(sh(`systemctl show -p MainPID --value ${unit}`).stdout.trim());
  t.ok(pid > 1, `${unit} has a main process (${pid})`);
  t.match(sh(`tr '\\0' ' ' < /proc/${pid}/cmdline`).stdout, /dist\/agent\/daemon\/main\.js/, 'and it is the agent');
  const status = sh(`cat /proc/${pid}/status`).stdout;
  const pid1Bounding = statusCaps(sh('cat /proc/1/status').stdout, 'CapBnd');

  // The container bounds what the agent can get: the comparison means something only for
  // capabilities it grants (nspawn drops CAP_NET_ADMIN, for one, without a private network).
  t.equal(want.capabilities & ~pid1Bounding, 0n, 'the container grants every capability the unit keeps');
  t.ok(
    capNames(pid1Bounding & ~want.capabilities).length >= 10,
    `and others the unit drops: ${capNames(pid1Bounding & ~want.capabilities).join(' ')}`,
  );
  for (const field of ['CapBnd', 'CapPrm', 'CapEff'])
    t.equal(hexCaps(statusCaps(status, field)), hexCaps(want.capabilities), `${field} is the unit's CapabilityBoundingSet`);
  t.equal(hexCaps(statusCaps(status, 'CapAmb')), hexCaps(want.ambient), "CapAmb is the unit's AmbientCapabilities");
  t.equal(statusField(status, 'NoNewPrivs'), want.noNewPrivs ? '1' : '0', `NoNewPrivs as the unit's NoNewPrivileges`);
  t.equal(statusField(status, 'Seccomp'), want.seccomp ? '2' : '0', "a seccomp filter (mode 2) as the unit's SystemCallFilter & co.");

  // The agent unmounts leftover netns and rootfs mounts: done in a mount namespace of its own
  // they would stay on the host. The unit must not ask for one, and systemd must not make one.
  t.equal(want.privateMounts, false, 'the unit asks for no mount namespace of its own');
  const ns = (p: number | string) => sh(`readlink /proc/${p}/ns/mnt`).stdout.trim();
  t.equal(ns(pid), ns(1), 'the agent runs in the host (container PID 1) mount namespace');

  const got: Record<string, string> = {};
  for (const p of PROBED_PATHS) got[p] = vm.exec(['nsenter', '-t', String(pid), '-m', '--', 'sh', '-c', PATH_PROBE, 'sh', p]).stdout.trim();
  t.same(got, want.paths, 'each probed path is as writable, read-only or hidden as the unit says, seen from the agent');
}

type ProbeResult = 'denied' | 'not denied';

/**
 * A copy of the installed agent unit with only ExecStart (the probe script) and Type (oneshot)
 * changed: what its sandbox denies and allows. Run it with the agent unit stopped — the copy
 * shares its RuntimeDirectory, which systemd removes when the copy stops.
 */
export function checkUnitSandboxBehaviour(t: Test, vm: NspawnMachine, probeScript: string, unit = 'kubesweep-agent.service'): void {
  const sh = (cmd: string) => vm.exec(['bash', '-c', cmd]);
  const unitText = sh(`cat $(systemctl show -p FragmentPath --value ${unit})`).stdout;
  const want = expectedSandbox(unitText);
  const lines = unitText.split('\n');
  t.equal(lines.filter((l) => /^ExecStart=/.test(l)).length, 1, 'the unit has one ExecStart line to replace');
  const probeUnit = lines
    .map((l) => (/^ExecStart=/.test(l) ? `ExecStart=/bin/sh ${probeScript}` : /^Type=/.test(l) ? 'Type=oneshot' : l))
    .join('\n');
  vm.writeFile('/etc/systemd/system/ks-sandbox-probe.service', probeUnit);
  const run = sh('systemctl daemon-reload && systemctl start ks-sandbox-probe.service');
  const out = sh('journalctl -u ks-sandbox-probe.service --no-pager -o cat').stdout;
  t.equal(run.code, 0, `the probe unit ran: ${run.stderr}`);
  t.match(out, /^probe done$/m, 'the probe ran to its end');

  const results: Record<string, ProbeResult> = {};
  for (const m of out.matchAll(/^probe (\S+) (\d+) ?(.*)$/gm)) {
    const [, name, rc, msg] = m;
    // EPERM: "Operation not permitted"; util-linux's swapoff words it "Not superuser."
    results[name] = rc !== '0' && /not permitted|not superuser/i.test(msg) ? 'denied' : 'not denied';
  }
  const sysAdmin = (want.capabilities >> 21n) & 1n ? true : false;
  const deny = (denied: boolean): ProbeResult => (denied ? 'denied' : 'not denied');
  const expected: Record<string, ProbeResult> = {
    'unshare-net': deny(want.restrictNamespaces || !sysAdmin),
    personality: deny(want.lockPersonality),
    swapoff: deny(want.deniedGroups.has('@swap') || !sysAdmin),
    'setuid-bit': deny(want.restrictSuid),
    mount: deny(want.deniedGroups.has('@mount') || !sysAdmin),
    umount: deny(want.deniedGroups.has('@mount') || !sysAdmin),
  };
  t.same(results, expected, `the sandbox denies exactly what the unit says (${path.basename(probeScript)} output:\n${out.trim()})`);
  t.equal(expected.mount, 'not denied', 'and the unit leaves the agent its mount/umount (it removes leftover mounts)');
}
