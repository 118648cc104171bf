// One snapshot of what the CRI knows, taken once per report: every sandbox and every container
// (two list calls), so attributing N owners costs no per-container status call.
import type { CriClient } from '../cri/client';
import type { Container, PodSandbox } from '../cri/messages';
import type { PodKind } from './types';
import { podKindOf } from '../../shared/pod-kind';

export interface CriIndex {
  sandboxes: Map<string, PodSandbox>;
  containers: Map<string, Container>;
}

export type CriSnapshot = { ok: true; index: CriIndex } | { ok: false; error: string };

export const CRI_LIST_TIMEOUT_MS = 5_000;

export async function loadCriIndex(cri: CriClient | undefined, timeoutMs = CRI_LIST_TIMEOUT_MS): Promise<CriSnapshot> {
  if (!cri) return { ok: false, error: 'no CRI client configured' };
  try {
    const [sandboxes, containers] = await Promise.all([
      cri.listPodSandbox(undefined, { timeoutMs }),
      cri.listContainers(undefined, { timeoutMs }),
    ]);
    return {
      ok: true,
      index: {
        sandboxes: new Map(sandboxes.map((s) => [s.id, s])),
        containers: new Map(containers.map((c) => [c.id, c])),
      },
    };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The kubelet copies a pod's labels and annotations onto its sandbox. Static pods carry
 * `kubernetes.io/config.source: file` (or http); DaemonSet pods carry the controller's
 * `controller-revision-hash` and `pod-template-generation` labels.
 */
export function podKindOfSandbox(sandbox: Pick<PodSandbox, 'labels' | 'annotations'>): PodKind {
  return podKindOf(sandbox.labels, sandbox.annotations);
}
