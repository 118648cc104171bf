// The one seam between the server and the engine: what the gRPC and HTTP handlers need from
// the sweep engine, the port reporter and the CRI. main.ts builds it from the real Sweeper,
// listPorts/checkPorts and CriClient; unit tests pass a small in-test object.
import type { NodeFacts } from '../host/node-facts';
import type { PortCheck, PortReport } from '../ports/types';
import type { LearnAttempt } from '../runtime/learn';
import type { ResolvedDirs, RuntimeKnowledge } from '../runtime/resolve';
import type { Inventory, ProgressEvent, ResetOptions, ResetReport, RestoreResult } from '../sweep/types';

/** What the handlers call on the sweep engine (a dry run is a reset with dryRun set). */
export interface SweepEngine {
  reset(opts: ResetOptions, onEvent?: (e: ProgressEvent) => void, signal?: AbortSignal): Promise<ResetReport>;
  inspect(): Promise<Inventory>;
  restoreManifests(backupId?: string): Promise<RestoreResult>;
}

/** Node facts as the Info RPC shows them; empty when they could not be read. */
export type NodeFactsView = Partial<NodeFacts>;

export interface CriVersionView {
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

/** What the agent knows of containerd's dirs and uses (runtime/learn.ts). */
export interface RuntimeDirsView {
  readonly resolved: ResolvedDirs;
  readonly knowledge: RuntimeKnowledge | undefined;
  readonly lastAttempt?: LearnAttempt;
  readonly fallbackProblems: readonly string[];
}

export interface AgentEngine {
  /** Absent when the engine was given fixed dirs (tests). */
  runtimeDirs?(): RuntimeDirsView;
  sweeper: SweepEngine;
  listPorts(opts: { allNetns?: boolean }): Promise<PortReport>;
  checkPorts(ports: readonly number[]): Promise<PortCheck>;
  nodeFacts(): Promise<NodeFactsView>;
  criVersion(): Promise<CriVersionView>;
}
