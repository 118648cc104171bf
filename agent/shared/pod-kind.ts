// What kind of pod a sandbox is, from the labels and annotations the kubelet sets on it. The
// cleanup scope (static and/or DaemonSet pods only) and the port report's owners both use it.

export type PodKind = 'static' | 'daemonset' | 'pod';

export const POD_KINDS: readonly PodKind[] = Object.freeze(['static', 'daemonset', 'pod']);

export function podKindOf(labels: Record<string, string> | undefined, annotations: Record<string, string> | undefined): PodKind {
  const a = annotations ?? {};
  const l = labels ?? {};
  // Static pods come from files (or an URL) and the kubelet stamps their source.
  const source = a['kubernetes.io/config.source'];
  if (source === 'file' || source === 'http' || a['kubernetes.io/config.mirror'] !== undefined) return 'static';
  // DaemonSet pods carry the controller's revision hash and template generation.
  if (l['controller-revision-hash'] !== undefined && l['pod-template-generation'] !== undefined) return 'daemonset';
  return 'pod';
}
