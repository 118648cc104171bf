// What containerd wrote about a container in its OCI bundle (config.json annotations). This is
// how a container is still named after the CRI lost it or containerd died: the shim's working
// directory is its sandbox's bundle dir, and every container of that sandbox has a sibling dir.
import { readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_PROC_ROOT } from '../host/proc';

export interface BundleFacts {
  containerName?: string;
  /** 'sandbox' for the pause container, 'container' otherwise. */
  containerType?: string;
  sandboxId?: string;
  podName?: string;
  podNamespace?: string;
  podUid?: string;
}

const A = {
  containerName: 'io.kubernetes.cri.container-name',
  containerType: 'io.kubernetes.cri.container-type',
  sandboxId: 'io.kubernetes.cri.sandbox-id',
  podName: 'io.kubernetes.cri.sandbox-name',
  podNamespace: 'io.kubernetes.cri.sandbox-namespace',
  podUid: 'io.kubernetes.cri.sandbox-uid',
} as const;

/** Pure: the CRI annotations of an OCI config.json text (undefined when it is not JSON). */
export function parseBundleConfig(text: string): BundleFacts | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const ann = (doc as { annotations?: unknown } | null)?.annotations;
  if (!ann || typeof ann !== 'object') return {};
  const a = ann as Record<string, unknown>;
  const out: BundleFacts = {};
  for (const [key, name] of Object.entries(A) as [keyof BundleFacts, string][]) {
    const v = a[name];
    if (typeof v === 'string' && v !== '') out[key] = v;
  }
  return out;
}

/** Read the bundle facts of a container from its bundle dir (a task dir under containerd's state). */
export function readBundleAt(bundleDir: string): BundleFacts | undefined {
  try {
    return parseBundleConfig(readFileSync(path.join(bundleDir, 'config.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Read the bundle facts of a container through its shim's working directory. */
export function readBundleFacts(shimPid: number, containerId: string, procRoot = DEFAULT_PROC_ROOT): BundleFacts | undefined {
  if (!/^[0-9a-zA-Z_.-]+$/.test(containerId)) return undefined;
  try {
    const bundleDir = readlinkSync(path.join(procRoot, String(shimPid), 'cwd'));
    return parseBundleConfig(readFileSync(path.join(path.dirname(bundleDir), containerId, 'config.json'), 'utf8'));
  } catch {
    return undefined;
  }
}
