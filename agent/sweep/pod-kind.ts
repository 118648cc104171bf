// What kind of pod a sandbox is, from the labels and annotations the kubelet sets. The scope
// option (static and/or DaemonSet pods only) depends on this.
import type { PodKind } from '../ports/types';
import type { PodScope } from './types';

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

export function inScope(kind: PodKind, scope: PodScope): boolean {
  return scope === 'all' || scope.includes(kind);
}

export function validScope(scope: unknown): scope is PodScope {
  if (scope === 'all') return true;
  return Array.isArray(scope) && scope.length > 0 && scope.every((k) => k === 'static' || k === 'daemonset' || k === 'pod');
}
