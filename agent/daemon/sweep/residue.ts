// What every cleanup kind's look at the node shares: a part that cannot be read carries its error
// instead of failing the whole look, and the host tools tests redirect. Each kind reads its own
// residue (kinds/<kind>.ts); the snapshot keeps what each read, by kind name.
import type { CleanupKind } from '../../shared/kinds';
import type { Exec } from '../host/exec';

export type Failed = { error: string };

/** Each kind's residue as its read() returned it (or why it failed); absent = not read. */
export type NodeResidue = Partial<Record<CleanupKind, unknown>>;

export interface ResidueDeps {
  /** Runs iproute2 and iptables tools (tests point it into a private netns). */
  netExec?: Exec;
  /** systemd's runtime dir and systemctl binary (tests point them at fixtures). */
  systemdRunDir?: string;
  systemctl?: string;
}

export function isFailed<T extends object>(x: T | Failed | undefined): x is Failed {
  return x !== undefined && 'error' in x;
}

export const failed = (err: unknown): Failed => ({ error: (err as Error).message });
