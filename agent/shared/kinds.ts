// The node residue a reset clears beyond pods, shims and netns — each a step of the reset. Five
// are runtime state the kubelet, the runtime and the CNI plugin recreate, and on by default; five
// change the node's configuration or identity and are opt-in (`reset --with KIND`).
export const CLEANUP_KINDS = [
  'links',
  'ipam',
  'cni-cache',
  'kubelet-mounts',
  'pod-cgroups',
  'cni-config',
  'firewall',
  'kubelet-unit',
  'etcd-data',
  'kubelet-state',
] as const;

export type CleanupKind = (typeof CLEANUP_KINDS)[number];

/** On unless `--without`: what a rejoin trips over, and what the node recreates by itself. */
export const DEFAULT_KINDS: readonly CleanupKind[] = Object.freeze(['links', 'ipam', 'cni-cache', 'kubelet-mounts', 'pod-cgroups']);

export function isCleanupKind(k: string): k is CleanupKind {
  return (CLEANUP_KINDS as readonly string[]).includes(k);
}

/** `links,ipam` (repeatable; commas or repeats) → kinds; unknown names are problems. */
export function parseKindList(values: readonly string[]): { kinds: CleanupKind[]; problems: string[] } {
  const kinds: CleanupKind[] = [];
  const problems: string[] = [];
  for (const v of values.flatMap((x) => x.split(',')).map((x) => x.trim())) {
    if (v === '') continue;
    if (!isCleanupKind(v)) problems.push(`unknown kind ${JSON.stringify(v)} (kinds: ${CLEANUP_KINDS.join(', ')})`);
    else if (!kinds.includes(v)) kinds.push(v);
  }
  return { kinds, problems };
}

/** The defaults plus `withKinds` minus `withoutKinds`, in CLEANUP_KINDS order; a kind in both is a problem. */
export function resolveKinds(
  withKinds: readonly string[] = [],
  withoutKinds: readonly string[] = [],
): { kinds: CleanupKind[]; problems: string[] } {
  const w = parseKindList(withKinds);
  const wo = parseKindList(withoutKinds);
  const problems = [...w.problems, ...wo.problems];
  for (const k of w.kinds) if (wo.kinds.includes(k)) problems.push(`kind ${k} is both in --with and --without`);
  const on = new Set<CleanupKind>([...DEFAULT_KINDS, ...w.kinds]);
  for (const k of wo.kinds) on.delete(k);
  return { kinds: CLEANUP_KINDS.filter((k) => on.has(k)), problems };
}
