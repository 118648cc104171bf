// The client's own data: what it asks (an Invocation), whom (targets) and what it got back. What
// an agent answers is the generated message type itself (shared/api-types.ts).
import type { ApiMessageName, Out } from '../shared/api-types';
import type { TlsFiles } from '../shared/endpoint';
import type { CleanupKind } from '../shared/kinds';
import type { PodKind } from '../shared/pod-kind';
import { COMMANDS, GUARDED_COMMANDS, type CommandName } from '../shared/rpc-policy';

// One command per RPC, named in the policy table (shared/rpc-policy.ts).
export { COMMANDS, type CommandName };

/** Commands that change the node: they carry the node-name guard. Derived from the policy table. */
export const GUARDED: ReadonlySet<CommandName> = GUARDED_COMMANDS;

/** One agent to talk to. `node` is the operator's name for it (agents file, NODE=ENDPOINT). */
export interface AgentTarget {
  node?: string;
  endpoint: string;
}

export type Confirm = { mode: 'node'; node: string } | { mode: 'each' };

export interface Invocation {
  command: CommandName;
  targets: AgentTarget[];
  /** Several agents (or an agents file): per-node results plus a summary. */
  fanOut: boolean;
  json: boolean;
  color: boolean | 'auto';
  tls?: TlsFiles;
  parallel: number;
  connectTimeoutMs: number;
  confirm?: Confirm;
  dryRun: boolean;
  /** Empty = every pod. */
  scope: PodKind[];
  graceSeconds?: number;
  expectFree: number[];
  /** reset: cleanup kinds added to / left out of the defaults (agent/shared/kinds.ts). */
  withKinds: CleanupKind[];
  withoutKinds: CleanupKind[];
  allNetns: boolean;
  /** check-ports: empty = the agent's configured set. */
  ports: number[];
  backupId?: string;
}

/** 0 done / clean / free; 1 not clean / port held; 2 usage, connection or refusal. */
export type ExitCode = 0 | 1 | 2;

export type CommandResult =
  | { command: 'reset' | 'stop-pods' | 'wipe-manifests' | 'remove-netns'; value: Out<'ResetReport'> }
  | { command: 'ports'; value: Out<'ListPortsResponse'> }
  | { command: 'check-ports'; value: Out<'CheckPortsResponse'> }
  | { command: 'inspect'; value: Out<'InspectResponse'> }
  | { command: 'restore-manifests'; value: Out<'RestoreManifestsResponse'> }
  | { command: 'info'; value: Out<'InfoResponse'> };

/** The message each command's result is, for its JSON document (shared/api-doc.ts). */
export const RESULT_MESSAGE: Readonly<Record<CommandName, ApiMessageName>> = Object.freeze({
  reset: 'ResetReport',
  'stop-pods': 'ResetReport',
  'wipe-manifests': 'ResetReport',
  'remove-netns': 'ResetReport',
  ports: 'ListPortsResponse',
  'check-ports': 'CheckPortsResponse',
  inspect: 'InspectResponse',
  'restore-manifests': 'RestoreManifestsResponse',
  info: 'InfoResponse',
});

/** Why a node's call did not produce a result. */
export interface NodeFailure {
  /** usage: bad flags/files; unreachable: could not connect; refused: the agent said no (auth, guard, lock, bad input) or failed. */
  kind: 'usage' | 'unreachable' | 'tls' | 'refused';
  code: string;
  message: string;
}

export interface NodeOutcome {
  node: string;
  endpoint: string;
  exitCode: ExitCode;
  result?: CommandResult;
  error?: NodeFailure;
  durationMs: number;
}
