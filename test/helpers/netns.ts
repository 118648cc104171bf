// Test helper: a private network namespace per test, deleted in teardown even when the test
// fails. It is made with `unshare --net=FILE`, which bind-mounts the new namespace onto a file in
// the test's own temp dir — never with `ip netns add`, which turns the machine's /run/netns into
// a mount point of itself and leaves it one. Network code under test runs inside it through an
// Exec that prefixes `nsenter --net=FILE` — never in the machine's own namespace; like containerd
// and the agent (nsenterArgv), it keeps the machine's mount namespace. withNetns checks that
// /run/netns's mounts are the same after the namespace is made and after it is gone.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Test } from 'tap';
import { Exec, runCommand } from '../../agent/daemon/host/exec';
import { parseMountinfo } from '../../agent/daemon/host/mountinfo';

export interface PrivateNetns {
  name: string;
  /** The bind-mounted namespace file, in the netns's own temp dir. */
  file: string;
  /** Runs a command inside the netns. */
  exec: Exec;
  /** Runs a shell script inside the netns; throws with its stderr when it fails. */
  sh(script: string): string;
}

/** The machine's netns dir, as `ip netns` uses it (/var/run is a link to /run). */
export const MACHINE_NETNS_DIR = '/run/netns';

/**
 * What the machine's /run/netns looks like to the mount table: whether it exists, and every mount
 * at or below it (mount point, root, type, source). `ip netns add` changes it; a test must not.
 */
export function runNetnsState(mountinfo: string, dirExists: boolean): string[] {
  const under = (p: string): boolean => p === MACHINE_NETNS_DIR || p.startsWith(`${MACHINE_NETNS_DIR}/`);
  const ids = new Set(
    parseMountinfo(mountinfo)
      .mounts.filter((m) => under(m.mountPoint))
      .map((m) => m.id),
  );
  // Each such line whole but its mount and parent ids: root, mount point, options, propagation, type, source.
  const mounts = mountinfo
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => ids.has(Number(f[0])))
    .map((f) => f.slice(3).join(' '))
    .sort();
  return [`exists=${dirExists}`, ...mounts];
}

export function machineRunNetnsState(): string[] {
  return runNetnsState(readFileSync('/proc/self/mountinfo', 'utf8'), existsSync(MACHINE_NETNS_DIR));
}

export function createNetns(tag: string): PrivateNetns {
  const name = `ks-${tag}-${randomBytes(3).toString('hex')}`;
  // Short: the netns file's path ends up in nsenter argv and in socket-path-bound test dirs.
  const dir = mkdtempSync(path.join('/tmp', `${name}-`));
  const file = path.join(dir, 'net');
  writeFileSync(file, '');
  try {
    execFileSync('unshare', [`--net=${file}`, 'true'], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const inNetns = (argv: readonly string[]): string[] => ['nsenter', `--net=${file}`, '--', ...argv];
  const exec: Exec = (argv, opts) => runCommand(inNetns(argv), opts);
  return {
    name,
    file,
    exec,
    sh: (script) => {
      const [bin, ...args] = inNetns(['sh', '-ec', script]);
      return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    },
  };
}

export function deleteNetns(ns: PrivateNetns): void {
  try {
    execFileSync('umount', [ns.file], { stdio: 'pipe' });
  } catch {
    /* already gone */
  }
  try {
    rmSync(path.dirname(ns.file), { recursive: true, force: true });
  } catch {
    /* still mounted: umount said why */
  }
}

export function withNetns(t: Test, tag: string): PrivateNetns {
  const before = machineRunNetnsState();
  const ns = createNetns(tag);
  t.teardown(() => {
    deleteNetns(ns);
    const after = machineRunNetnsState();
    if (JSON.stringify(after) !== JSON.stringify(before))
      throw new Error(`the machine's ${MACHINE_NETNS_DIR} changed during the test: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
  });
  t.same(machineRunNetnsState(), before, `a private netns leaves the machine's ${MACHINE_NETNS_DIR} as it was`);
  return ns;
}

/** argv prefix that runs a long-lived process in the netns but in the machine's mount namespace. */
export function nsenterArgv(ns: PrivateNetns): string[] {
  return ['nsenter', `--net=${ns.file}`, '--'];
}
