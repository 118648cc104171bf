// Test helper: a private network namespace per test (`ip netns add ks-…`), deleted in teardown
// even when the test fails. Network code under test runs inside it through an Exec that prefixes
// `ip netns exec NAME` — never in the machine's own namespace. (`ip netns exec` also gives each
// command a private mount namespace, which is harmless for ip/iptables; processes that must
// share the machine's mounts, like containerd and the agent, enter only the netns: nsenterArgv.)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Test } from 'tap';
import { Exec, runCommand } from '../../agent/daemon/host/exec';

export interface PrivateNetns {
  name: string;
  /** /run/netns/NAME: the bind-mounted namespace file. */
  file: string;
  /** Runs a command inside the netns. */
  exec: Exec;
  /** Runs a shell script inside the netns; throws with its stderr when it fails. */
  sh(script: string): string;
}

export function createNetns(tag: string): PrivateNetns {
  const name = `ks-${tag}-${randomBytes(3).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
  const exec: Exec = (argv, opts) => runCommand(['ip', 'netns', 'exec', name, ...argv], opts);
  return {
    name,
    file: `/run/netns/${name}`,
    exec,
    sh: (script) => execFileSync('ip', ['netns', 'exec', name, 'sh', '-ec', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
  };
}

export function deleteNetns(ns: PrivateNetns): void {
  try {
    execFileSync('ip', ['netns', 'del', ns.name], { stdio: 'pipe' });
  } catch {
    /* already gone */
  }
}

export function withNetns(t: Test, tag: string): PrivateNetns {
  const ns = createNetns(tag);
  t.teardown(() => deleteNetns(ns));
  return ns;
}

/** argv prefix that runs a long-lived process in the netns but in the machine's mount namespace. */
export function nsenterArgv(ns: PrivateNetns): string[] {
  return ['nsenter', `--net=${ns.file}`, '--'];
}
