// The kubelet's identity and checkpoints: what makes a rejoining kubelet "Unauthorized", skips
// Kubespray's join ("kubelet.conf exists") or crash-loops it on a changed CPU set or policy.
// Only these names, each looked at with lstat: a regular file is the kubelet's; a symlink is one
// only when it leads inside its own dir (the PKI's kubelet-client-current.pem does); a dir, FIFO,
// socket, device or mount is never the kubelet's file and is reported, never touched.
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { isInside, linkTargetInside } from './paths';

/** In the Kubernetes dir: the kubelet's kubeconfigs (kubeadm, Kubespray). */
export const KUBELET_KUBECONFIGS = Object.freeze(['kubelet.conf', 'bootstrap-kubelet.conf']);
/** In the kubelet dir: its checkpoints (CPU, memory, DRA managers; the device-plugin manager). */
export const KUBELET_CHECKPOINTS = Object.freeze([
  'cpu_manager_state',
  'memory_manager_state',
  'dra_manager_state',
  'device-plugins/kubelet_internal_checkpoint',
]);
/** Under the kubelet dir: its certificates and keys, every entry. */
export const KUBELET_PKI = 'pki';

export interface StateFile {
  path: string;
  /** The configured dir it lies in: the removal is scoped to it. */
  scope: string;
  /** Its name in the backup: `kubelet-dir.pki.kubelet.crt`. */
  backupName: string;
  symlink: boolean;
  size: number;
  dev: number;
  ino: number;
}

export interface OddEntry {
  path: string;
  why: string;
}

export interface KubeletStateScan {
  files: StateFile[];
  odd: OddEntry[];
}

function oddness(st: Stats, dirDev: number, p: string, scope: string): string | undefined {
  if (st.dev !== dirDev) return 'another filesystem is mounted here: left in place';
  if (st.isSymbolicLink())
    return isInside(p, [scope]) && linkTargetInside(p, [scope])
      ? undefined
      : `a symlink to ${readlinkSync(p)}, outside ${scope}: left in place`;
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a directory, not a kubelet file: left in place';
  if (st.isFIFO()) return 'a FIFO, not a kubelet file: left in place';
  if (st.isSocket()) return 'a socket, not a kubelet file: left in place';
  return 'a device, not a kubelet file: left in place';
}

function look(p: string, scope: string, label: string, out: KubeletStateScan): void {
  let st: Stats;
  try {
    st = lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const why = oddness(st, lstatSync(path.dirname(p)).dev, p, scope);
  if (why) {
    out.odd.push({ path: p, why });
    return;
  }
  const backupName = `${label}.${path.relative(scope, p).split(path.sep).join('.')}`;
  out.files.push({ path: p, scope, backupName, symlink: st.isSymbolicLink(), size: st.size, dev: st.dev, ino: st.ino });
}

/** The kubelet's state files present now (`''` dirs are not looked at). */
export function scanKubeletState(kubeletDir: string, kubernetesDir: string): KubeletStateScan {
  const out: KubeletStateScan = { files: [], odd: [] };
  if (kubernetesDir !== '') for (const n of KUBELET_KUBECONFIGS) look(path.join(kubernetesDir, n), kubernetesDir, 'kubernetes-dir', out);
  if (kubeletDir === '') return out;
  const pki = path.join(kubeletDir, KUBELET_PKI);
  let pkiSt: Stats | undefined;
  try {
    pkiSt = lstatSync(pki);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (pkiSt?.isDirectory() && pkiSt.dev === lstatSync(kubeletDir).dev) {
    for (const n of readdirSync(pki).sort()) look(path.join(pki, n), kubeletDir, 'kubelet-dir', out);
  } else if (pkiSt) out.odd.push({ path: pki, why: pkiSt.isDirectory() ? 'a mount: left in place' : 'not a directory: left in place' });
  for (const n of KUBELET_CHECKPOINTS) look(path.join(kubeletDir, n), kubeletDir, 'kubelet-dir', out);
  return out;
}

/**
 * What a file holds now, for the backup and the changed-since-plan check: a symlink as its target
 * text, never followed. Opened without following and without blocking, then checked to be a
 * regular file: a FIFO put in its place since the scan must not hang the reset on a read.
 */
export function readStateFile(p: string): { data: Buffer; symlink: boolean } {
  if (lstatSync(p).isSymbolicLink()) return { data: Buffer.from(readlinkSync(p)), symlink: true };
  const fd = openSync(p, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`${p} is no longer a regular file`);
    return { data: readFileSync(fd), symlink: false };
  } finally {
    closeSync(fd);
  }
}
