// A CNI plugin that fails teardown the way Calico does on a node that kubespray's
// remove-node.yml has just deleted (the node's calico-node pod is gone, so the token the plugin
// uses is revoked: kubespray#7177, containerd/cri#732), chained after `bridge` in the testbed's
// network. ADD passes the bridge's result through. DEL, while a marker file exists, either
// fails with Calico's exact message or hangs until killed (a plugin waiting on an unreachable
// datastore). Without a marker it succeeds, so the testbed still tears down normally.
//
// containerd's CNI `bin_dir` is a single dir, so the testbed gets a private one: symlinks to
// every plugin in /usr/lib/cni plus this one. The plugin is a node script (the same node that
// runs the tests); it hangs in-process, with no child, so when containerd's request context
// ends and libcni SIGKILLs it, its stdout closes and containerd's call returns.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const FAULT_PLUGIN = 'ks-fault';
/** What Calico's plugin prints when its token was revoked, verbatim. */
export const CALICO_UNAUTHORIZED = 'error getting ClusterInformation: connection is unauthorized: Unauthorized';
export const SYSTEM_CNI_BIN = '/usr/lib/cni';

export type CniFaultMode = 'off' | 'fail' | 'hang';

export interface CniFaultPaths {
  /** The testbed's private CNI bin dir (containerd's `bin_dir`). */
  binDir: string;
  /** Where the markers (`del-fail`, `del-hang`) and the call log (`calls.log`) live. */
  markerDir: string;
}

const MARKER: Record<Exclude<CniFaultMode, 'off'>, string> = { fail: 'del-fail', hang: 'del-hang' };

/** The plugin's source. Pure text; `markerDir` comes from the network config, not from here. */
export function faultPluginSource(nodePath: string): string {
  return `#!${nodePath}
'use strict';
// kubesweep testbed fault plugin (scripts/testbed/cni-fault.ts). Not a real CNI plugin.
const fs = require('fs');
const path = require('path');
const cmd = process.env.CNI_COMMAND || '';
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  let conf = {};
  try { conf = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'); } catch { conf = {}; }
  const dir = conf.markerDir;
  const version = conf.cniVersion || '1.0.0';
  const log = (what) => { if (dir) try { fs.appendFileSync(path.join(dir, 'calls.log'), JSON.stringify({ at: Date.now(), pid: process.pid, cmd, id: process.env.CNI_CONTAINERID || '', netns: process.env.CNI_NETNS || '', what }) + '\\n'); } catch {} };
  if (cmd === 'VERSION') {
    process.stdout.write(JSON.stringify({ cniVersion: version, supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] }));
    return;
  }
  if (cmd === 'ADD') {
    log('add');
    process.stdout.write(JSON.stringify({ ...(conf.prevResult || {}), cniVersion: version }));
    return;
  }
  if (cmd === 'DEL') {
    if (dir && fs.existsSync(path.join(dir, 'del-hang'))) {
      log('del-hang');
      setInterval(() => {}, 1 << 30);
      return;
    }
    if (dir && fs.existsSync(path.join(dir, 'del-fail'))) {
      log('del-fail');
      process.stdout.write(JSON.stringify({ cniVersion: version, code: 999, msg: ${JSON.stringify(CALICO_UNAUTHORIZED)} }));
      process.exitCode = 1;
      return;
    }
    log('del');
    return;
  }
  log(cmd.toLowerCase() || 'unknown');
});
`;
}

/** Make the private bin dir: a symlink per system plugin, and the fault plugin itself. */
export function installFaultPlugin(p: CniFaultPaths, nodePath = process.execPath): void {
  mkdirSync(p.binDir, { recursive: true });
  mkdirSync(p.markerDir, { recursive: true });
  for (const name of readdirSync(SYSTEM_CNI_BIN)) {
    const link = path.join(p.binDir, name);
    if (!existsSync(link)) symlinkSync(path.join(SYSTEM_CNI_BIN, name), link);
  }
  const plugin = path.join(p.binDir, FAULT_PLUGIN);
  writeFileSync(plugin, faultPluginSource(nodePath));
  chmodSync(plugin, 0o755);
}

/** The plugin's entry in a conflist, chained after bridge. */
export function faultPluginConf(p: CniFaultPaths): Record<string, unknown> {
  return { type: FAULT_PLUGIN, markerDir: p.markerDir };
}

/** Switch the fault: 'fail' and 'hang' act on the next DEL; 'off' lets DEL succeed. */
export function setCniFault(p: CniFaultPaths, mode: CniFaultMode): void {
  for (const m of Object.values(MARKER)) rmSync(path.join(p.markerDir, m), { force: true });
  if (mode !== 'off') writeFileSync(path.join(p.markerDir, MARKER[mode]), `${mode}\n`);
}

export interface FaultCall {
  at: number;
  pid: number;
  cmd: string;
  id: string;
  netns: string;
  what: string;
}

/** Every call the plugin logged, oldest first. */
export function faultCalls(p: CniFaultPaths): FaultCall[] {
  try {
    return readFileSync(path.join(p.markerDir, 'calls.log'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as FaultCall);
  } catch {
    return [];
  }
}

/** For tests that want a clean call log between phases. */
export function clearFaultCalls(p: CniFaultPaths): void {
  writeFileSync(path.join(p.markerDir, 'calls.log'), '');
}

/** Used by the testbed's teardown: processes of this plugin (argv[1] is its path). */
export function isFaultPluginArgv(argv: readonly string[], p: CniFaultPaths): boolean {
  return argv[1] === path.join(p.binDir, FAULT_PLUGIN);
}
