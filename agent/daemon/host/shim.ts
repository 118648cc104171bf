// Recognising containerd shims from their command lines. A shim is only ever "ours" when its
// -address is the configured containerd socket and its -namespace the configured namespace:
// a node can run several containerds (docker's, k3s's, a test one), and their shims look alike.
import path from 'node:path';
import { normalizeUnixAddress } from '../../shared/endpoint';

export type ShimKind = 'runc-v2' | 'runc-v1' | 'legacy';

export interface ShimCmdline {
  kind: ShimKind;
  binary: string;
  namespace: string;
  id: string;
  /** containerd's gRPC socket the shim reports to. */
  address: string;
}

const BINARIES: Record<string, ShimKind> = {
  'containerd-shim-runc-v2': 'runc-v2',
  'containerd-shim-runc-v1': 'runc-v1',
  'containerd-shim': 'legacy',
  // Docker 18.x shipped its own copy of the v1 shim under this name (same flags).
  'docker-containerd-shim': 'legacy',
};

/** Flags are "-flag value" or "-flag=value", with one or two dashes (Go's flag package). */
function flagValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    for (const prefix of [`-${name}`, `--${name}`]) {
      if (a === prefix) return argv[i + 1];
      if (a.startsWith(prefix + '=')) return a.slice(prefix.length + 1);
    }
  }
  return undefined;
}

/**
 * Parse a shim's argv, e.g. `/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id 3f…
 * -address /run/containerd/containerd.sock`. Returns undefined for anything that is not a shim
 * or lacks the flags that tie it to a containerd.
 */
export function parseShimCmdline(argv: readonly string[]): ShimCmdline | undefined {
  const binary = argv[0];
  if (!binary) return undefined;
  const kind = BINARIES[path.basename(binary)];
  if (!kind) return undefined;
  const namespace = flagValue(argv, 'namespace');
  const address = flagValue(argv, 'address');
  // Legacy shims name the container by its bundle dir; v1/v2 pass -id.
  const id = flagValue(argv, 'id') ?? (kind === 'legacy' ? path.basename(flagValue(argv, 'workdir') ?? '') : undefined);
  if (!namespace || !address || !id) return undefined;
  return { kind, binary, namespace, id, address: normalizeUnixAddress(address) };
}

/** Is this shim one of the configured containerd's, for the configured namespace? */
export function isShimOf(shim: ShimCmdline, address: string, namespace: string): boolean {
  return shim.address === normalizeUnixAddress(address) && shim.namespace === namespace;
}
