// The kubesweep.v1.Agent handlers. Each one: role check, input validation, then (for
// destructive calls) the node confirmation and the one-at-a-time lock, then the engine.
// Partial success is data (the report), so handlers throw only for refusals and for engine
// failures that left nothing to report.
import type pino from 'pino';
import type { Complete, Msg, Out } from '../../shared/api-types';
import type { AgentConfig } from '../config';
import type { StepName } from '../sweep/steps';
import type { ProgressEvent, ResetOptions, ResetReport } from '../sweep/types';
import { agentVersion } from '../../shared/version';
import type { CallContext } from './adapter';
import { requireRole } from './auth';
import { factsMsg, inventoryMsg, portCheckMsg, portReportMsg, progressMsg, reportMsg, restoreMsg } from './convert';
import type { AgentEngine } from './engine';
import { checkConfirmNode, DestructiveLock } from './guard';
import { dirsInfo, dirWarnings } from './dirs-info';
import { validCheckPortsRequest, validListPortsRequest, validResetRequest, validRestoreRequest, type ValidReset } from './validate';

export interface ServiceDeps {
  config: AgentConfig;
  engine: AgentEngine;
  lock: DestructiveLock;
  isBackupId: (s: string) => boolean;
  log: pino.Logger;
  /** Aborted on SIGTERM: a running reset stops at its next safe point. */
  shutdownSignal: AbortSignal;
  onReset?: (result: { report?: ResetReport; error?: unknown }) => void;
  /** Where the CRI endpoint came from: flag, config-file, detected, default. */
  criEndpointSource?: string;
  /** Where each option's value came from (config.ts optionOrigins). */
  origins?: Readonly<Record<string, string>>;
}

/** Single-step RPCs run these steps of the reset. */
export const STEP_RPCS = Object.freeze({
  StopPods: ['remove-pods', 'kill-shims'],
  WipeManifests: ['backup-manifests'],
  RemoveNetns: ['remove-netns'],
} as const satisfies Record<string, readonly StepName[]>);

export type StepRpc = keyof typeof STEP_RPCS;

/**
 * One function per RPC: the decoded request (generated __Output type) in, the message out.
 * Function properties, not methods: the adapter takes each one unbound.
 */
export interface AgentHandlers {
  Reset: (req: Out<'ResetRequest'>, ctx: CallContext, write: (ev: Msg<'ResetEvent'>) => void) => Promise<void>;
  StopPods: (req: Out<'StepRequest'>, ctx: CallContext) => Promise<Msg<'StepResponse'>>;
  WipeManifests: (req: Out<'StepRequest'>, ctx: CallContext) => Promise<Msg<'StepResponse'>>;
  RemoveNetns: (req: Out<'StepRequest'>, ctx: CallContext) => Promise<Msg<'StepResponse'>>;
  RestoreManifests: (req: Out<'RestoreManifestsRequest'>, ctx: CallContext) => Promise<Msg<'RestoreManifestsResponse'>>;
  ListPorts: (req: Out<'ListPortsRequest'>, ctx: CallContext) => Promise<Msg<'ListPortsResponse'>>;
  CheckPorts: (req: Out<'CheckPortsRequest'>, ctx: CallContext) => Promise<Msg<'CheckPortsResponse'>>;
  Inspect: (req: Out<'InspectRequest'>, ctx: CallContext) => Promise<Msg<'InspectResponse'>>;
  Info: (req: Out<'InfoRequest'>, ctx: CallContext) => Promise<Msg<'InfoResponse'>>;
}

export function createHandlers(deps: ServiceDeps): AgentHandlers {
  const { config, engine, lock, log } = deps;

  /** Guard + lock + run, shared by Reset and the single steps. */
  async function runReset(method: string, v: ValidReset, ctx: CallContext, steps: readonly StepName[] | undefined, onEvent?: (e: ProgressEvent) => void): Promise<ResetReport> {
    if (!v.dryRun) {
      requireRole(ctx.caller, 'admin', method);
      checkConfirmNode(v.confirmNode, config.nodeName, method);
    }
    const release = v.dryRun ? () => undefined : lock.acquire(method, ctx.caller.identity);
    try {
      const opts: ResetOptions = {
        dryRun: v.dryRun,
        scope: v.scope,
        requestedBy: ctx.caller.identity,
        expectFreePorts: v.expectFreePorts ?? config.expectFreePorts,
      };
      if (v.graceSeconds !== undefined) opts.graceSeconds = v.graceSeconds;
      if (v.withKinds) opts.withKinds = v.withKinds;
      if (v.withoutKinds) opts.withoutKinds = v.withoutKinds;
      if (steps) opts.steps = steps;
      if (!v.dryRun) {
        log.warn(
          { audit: 'destructive', phase: 'start', method, identity: ctx.caller.identity, peer: ctx.caller.peer, node: config.nodeName, scope: v.scope, steps: steps ?? 'all', withKinds: v.withKinds, withoutKinds: v.withoutKinds },
          `${method} starting`,
        );
      }
      const events = (e: ProgressEvent): void => {
        if (!v.dryRun && (e.type === 'item-done' || e.type === 'item-failed')) {
          log.warn({ audit: 'action', method, identity: ctx.caller.identity, step: e.step, action: e.action, target: e.target, outcome: e.type === 'item-done' ? e.outcome : 'failed', message: e.message }, `${e.step}: ${e.action} ${e.target}`);
        }
        onEvent?.(e);
      };
      let report: ResetReport;
      try {
        report = await engine.sweeper.reset(opts, events, deps.shutdownSignal);
      } catch (error) {
        if (!v.dryRun) deps.onReset?.({ error });
        throw error;
      }
      if (!v.dryRun) {
        deps.onReset?.({ report });
        log.warn(
          {
            audit: 'destructive',
            phase: 'finish',
            method,
            identity: ctx.caller.identity,
            runId: report.runId,
            verdict: report.verification?.verdict,
            backupId: report.backupId,
            aborted: report.aborted,
            durationMs: report.durationMs,
          },
          `${method} finished`,
        );
      }
      return report;
    } finally {
      release();
    }
  }

  const step =
    (method: StepRpc) =>
    async (req: Out<'StepRequest'>, ctx: CallContext): Promise<Msg<'StepResponse'>> => {
      requireRole(ctx.caller, 'reader', method);
      const v = validResetRequest(req, { withPorts: false });
      const report = await runReset(method, v, ctx, STEP_RPCS[method]);
      return { report: reportMsg(report) };
    };

  return {
    async Reset(req, ctx, write) {
      requireRole(ctx.caller, 'reader', 'Reset');
      const v = validResetRequest(req, { withPorts: true });
      const report = await runReset('Reset', v, ctx, undefined, (e) => write({ progress: progressMsg(e) }));
      write({ report: reportMsg(report) });
    },
    StopPods: step('StopPods'),
    WipeManifests: step('WipeManifests'),
    RemoveNetns: step('RemoveNetns'),

    async RestoreManifests(req, ctx) {
      requireRole(ctx.caller, 'admin', 'RestoreManifests');
      const v = validRestoreRequest(req, deps.isBackupId);
      checkConfirmNode(v.confirmNode, config.nodeName, 'RestoreManifests');
      const release = lock.acquire('RestoreManifests', ctx.caller.identity);
      try {
        log.warn({ audit: 'destructive', phase: 'start', method: 'RestoreManifests', identity: ctx.caller.identity, backupId: v.backupId ?? 'newest' }, 'RestoreManifests starting');
        const res = await engine.sweeper.restoreManifests(v.backupId);
        log.warn({ audit: 'destructive', phase: 'finish', method: 'RestoreManifests', identity: ctx.caller.identity, backupId: res.backupId, restored: res.restored, unchanged: res.unchanged.length }, 'RestoreManifests finished');
        return restoreMsg(res);
      } finally {
        release();
      }
    },

    async ListPorts(req, ctx) {
      requireRole(ctx.caller, 'reader', 'ListPorts');
      const v = validListPortsRequest(req);
      return portReportMsg(await engine.listPorts({ allNetns: v.allNetns }));
    },

    async CheckPorts(req, ctx) {
      requireRole(ctx.caller, 'reader', 'CheckPorts');
      const v = validCheckPortsRequest(req);
      return portCheckMsg(await engine.checkPorts(v.ports ?? config.expectFreePorts));
    },

    async Inspect(req, ctx) {
      requireRole(ctx.caller, 'reader', 'Inspect');
      void req;
      return { ...inventoryMsg(await engine.sweeper.inspect()), dirWarnings: dirWarnings(engine.runtimeDirs?.()) };
    },

    async Info(req, ctx) {
      requireRole(ctx.caller, 'reader', 'Info');
      void req;
      const [cri, facts] = await Promise.allSettled([engine.criVersion(), engine.nodeFacts()]);
      const rt = engine.runtimeDirs?.();
      const info: Complete<Msg<'InfoResponse'>> = {
        agentVersion: agentVersion(),
        nodeName: config.nodeName,
        criRuntimeName: cri.status === 'fulfilled' ? cri.value.runtimeName : '',
        criRuntimeVersion: cri.status === 'fulfilled' ? cri.value.runtimeVersion : '',
        criApiVersion: cri.status === 'fulfilled' ? cri.value.runtimeApiVersion : '',
        criError: cri.status === 'rejected' ? String((cri.reason as Error)?.message ?? cri.reason) : undefined,
        facts: factsMsg(facts.status === 'fulfilled' ? facts.value : {}),
        expectFreePorts: [...config.expectFreePorts],
        manifestsDir: config.manifestsDir,
        netnsDirs: [...(rt ? (rt.resolved.values.netnsDirs as string[]) : config.netnsDirs)],
        stateDir: config.stateDir,
        ...dirsInfo(config, rt, deps.origins),
        criEndpoint: config.criEndpoint,
        criEndpointSource: deps.criEndpointSource ?? '',
        dirWarnings: dirWarnings(rt),
      };
      return info;
    },
  };
}
