// Who may call what: one row per RPC of kubesweep.v1.Agent (proto/kubesweep/v1/agent.proto). The
// agent's adapter (agent/daemon/server/adapter.ts) enforces a row before the RPC's handler runs;
// the client derives its guarded commands (those that need --confirm) from the same rows;
// docs/rpc-policy.md is rendered from them (scripts/gen-rpc-policy.ts). A row missing for an RPC
// of the service fails to compile (RpcName) and fails test/unit/shared/rpc-policy.test.ts.
import type { AgentDefinition } from './api/kubesweep/v1/Agent';

export type Role = 'reader' | 'admin';

/** What one class of call requires before its handler may run. */
export interface CallRule {
  /** The lowest role that may make the call (admin may make every call). */
  role: Role;
  /** The request's confirm_node must equal the agent's node name. */
  confirmNode: boolean;
  /** The call holds the agent's one destructive lock while it runs; another such call gets KS_BUSY. */
  lock: boolean;
  /** bounded: counted and refused by the read admission (limits.ts); exempt: never refused by it. */
  admission: 'bounded' | 'exempt';
}

/** A call that changes nothing: port reports, inventory, info, dry runs. */
export const READ: CallRule = Object.freeze({ role: 'reader', confirmNode: false, lock: false, admission: 'bounded' });
/** A call that changes the node. A flood of reads must never stop one, hence exempt. */
export const DESTRUCTIVE: CallRule = Object.freeze({ role: 'admin', confirmNode: true, lock: true, admission: 'exempt' });

/**
 * One RPC: the client command that calls it and its classes of call. An RPC with both classes is
 * destructive unless its request sets dry_run (a dry run is a read).
 */
export type RpcPolicy = { command: string } & ({ read: CallRule; destructive?: CallRule } | { read?: CallRule; destructive: CallRule });

/** The RPCs of kubesweep.v1.Agent, from the generated service definition (no name is copied). */
export type RpcName = keyof { [K in keyof AgentDefinition as string extends K ? never : number extends K ? never : K]: true };

// The rows are in the order the client lists its commands.
export const RPC_POLICY = Object.freeze({
  Reset: { command: 'reset', read: READ, destructive: DESTRUCTIVE },
  StopPods: { command: 'stop-pods', read: READ, destructive: DESTRUCTIVE },
  WipeManifests: { command: 'wipe-manifests', read: READ, destructive: DESTRUCTIVE },
  RemoveNetns: { command: 'remove-netns', read: READ, destructive: DESTRUCTIVE },
  ListPorts: { command: 'ports', read: READ },
  CheckPorts: { command: 'check-ports', read: READ },
  Inspect: { command: 'inspect', read: READ },
  RestoreManifests: { command: 'restore-manifests', destructive: DESTRUCTIVE },
  Info: { command: 'info', read: READ },
} as const satisfies Record<RpcName, RpcPolicy>);

export type CommandName = (typeof RPC_POLICY)[RpcName]['command'];

export const RPC_NAMES = Object.freeze(Object.keys(RPC_POLICY) as RpcName[]);

/** The client's commands, one per RPC. */
export const COMMANDS: readonly CommandName[] = Object.freeze(RPC_NAMES.map((r) => RPC_POLICY[r].command));

export type CallClass = 'read' | 'destructive';

export function isRpcName(s: string): s is RpcName {
  return Object.prototype.hasOwnProperty.call(RPC_POLICY, s);
}

/** The class of one request of an RPC and what it requires. */
export function classify(rpc: RpcName, dryRun: boolean): { class: CallClass; rule: CallRule } {
  const { read, destructive }: RpcPolicy = RPC_POLICY[rpc];
  if (destructive && !(read && dryRun)) return { class: 'destructive', rule: destructive };
  if (read) return { class: 'read', rule: read };
  throw new Error(`${rpc}: a policy row without a class of call`);
}

const RANK: Record<Role, number> = { reader: 0, admin: 1 };

/** The lowest role that may make any call of this RPC: checked before the request is even validated. */
export function entryRole(rpc: RpcName): Role {
  const p: RpcPolicy = RPC_POLICY[rpc];
  const roles = [p.read?.role, p.destructive?.role].filter((r): r is Role => r !== undefined);
  return roles.reduce((a, b) => (RANK[b] < RANK[a] ? b : a));
}

/** Commands that can change the node: the client requires --confirm NODE / --confirm-each for them. */
export const GUARDED_COMMANDS: ReadonlySet<CommandName> = new Set(
  RPC_NAMES.filter((r) => (RPC_POLICY[r] as RpcPolicy).destructive?.confirmNode).map((r) => RPC_POLICY[r].command),
);
