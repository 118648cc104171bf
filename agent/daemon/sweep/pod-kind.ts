// The cleanup scope: which pod kinds a run may remove.
import type { PodKind } from '../ports/types';

/** 'all' = every pod in the namespace; otherwise only pods of the listed kinds. */
export type PodScope = 'all' | readonly PodKind[];

export { podKindOf } from '../../shared/pod-kind';

export function inScope(kind: PodKind, scope: PodScope): boolean {
  return scope === 'all' || scope.includes(kind);
}

export function validScope(scope: unknown): scope is PodScope {
  if (scope === 'all') return true;
  return Array.isArray(scope) && scope.length > 0 && scope.every((k) => k === 'static' || k === 'daemonset' || k === 'pod');
}
