// The kubesweep.v1.Agent handlers: per RPC, how its request is validated and what it runs. Who
// may call it, the node confirmation and the one destructive lock are the adapter's, from the
// policy table (shared/rpc-policy.ts), and done before run() is called. Partial success is data
// (the report), so handlers throw only for refusals and for engine failures that left nothing to
// report.
import type pino from 'pino';
import type { Complete, Msg, Out } from '../../shared/api-types';
import type { AgentConfig } from '../config';
import type { StepName } from '../sweep/steps';
import type { ProgressEvent, ResetOptions, ResetReport } from '../sweep/types';
import { agentVersion } from '../../shared/version';
import type { CallContext, StreamRpc, UnaryRpc } from './adapter';
import { factsMsg, inventoryMsg, portCheckMsg, portReportMsg, progressMsg, reportMsg, restoreMsg } from './convert';
import type { AgentEngine } from './engine';
import { dirsInfo, dirWarnings } from './dirs-info';
import { validCheckPortsRequest, validListPortsRequest, validResetRequest, validRestoreRequest, type ValidReset } from './validate';

export interface ServiceDeps {
  config: AgentConfig;
  engine: AgentEngine;
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

type NoInput = Record<never, never>;

/**
 * One handler per RPC: the decoded request (generated __Output type) is validated, then run with
 * the validated input. Function properties, not methods: the adapter takes each one unbound.
 */
export interface AgentHandlers {
  Reset: StreamRpc<Out<'ResetRequest'>, ValidReset, Msg<'ResetEvent'>>;
  StopPods: UnaryRpc<Out<'StepRequest'>, ValidReset, Msg<'StepResponse'>>;
  WipeManifests: UnaryRpc<Out<'StepRequest'>, ValidReset, Msg<'StepResponse'>>;
  RemoveNetns: UnaryRpc<Out<'StepRequest'>, ValidReset, Msg<'StepResponse'>>;
  RestoreManifests: UnaryRpc<Out<'RestoreManifestsRequest'>, { confirmNode: string; backupId?: string }, Msg<'RestoreManifestsResponse'>>;
  ListPorts: UnaryRpc<Out<'ListPortsRequest'>, { allNetns: boolean }, Msg<'ListPortsResponse'>>;
  CheckPorts: UnaryRpc<Out<'CheckPortsRequest'>, { ports?: number[] }, Msg<'CheckPortsResponse'>>;
  Inspect: UnaryRpc<Out<'InspectRequest'>, NoInput, Msg<'InspectResponse'>>;
  Info: UnaryRpc<Out<'InfoRequest'>, NoInput, Msg<'InfoResponse'>>;
}

const noInput = (): NoInput => ({});

export function createHandlers(deps: ServiceDeps): AgentHandlers {
  const { config, engine, log } = deps;

  /** Run the reset (or its steps) the adapter has admitted; a real one under the adapter's lease. */
  async function runReset(
    method: string,
    v: ValidReset,
    ctx: CallContext,
    steps: readonly StepName[] | undefined,
    onEvent?: (e: ProgressEvent) => void,
  ): Promise<ResetReport> {
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
    if (ctx.lease) opts.lease = ctx.lease;
    if (!v.dryRun) {
      log.warn(
        {
          audit: 'destructive',
          phase: 'start',
          method,
          identity: ctx.caller.identity,
          peer: ctx.caller.peer,
          node: config.nodeName,
          scope: v.scope,
          steps: steps ?? 'all',
          withKinds: v.withKinds,
          withoutKinds: v.withoutKinds,
        },
        `${method} starting`,
      );
    }
    const events = (e: ProgressEvent): void => {
      if (!v.dryRun && (e.type === 'item-done' || e.type === 'item-failed')) {
        log.warn(
          {
            audit: 'action',
            method,
            identity: ctx.caller.identity,
            step: e.step,
            action: e.action,
            target: e.target,
            outcome: e.type === 'item-done' ? e.outcome : 'failed',
            message: e.message,
          },
          `${e.step}: ${e.action} ${e.target}`,
        );
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
  }

  const step = (method: StepRpc): AgentHandlers[StepRpc] => ({
    validate: (req) => validResetRequest(req, { withPorts: false }),
    run: async (v, ctx) => ({ report: reportMsg(await runReset(method, v, ctx, STEP_RPCS[method])) }),
  });

  return {
    Reset: {
      validate: (req) => validResetRequest(req, { withPorts: true }),
      async run(v, ctx, write) {
        const report = await runReset('Reset', v, ctx, undefined, (e) => write({ progress: progressMsg(e) }));
        write({ report: reportMsg(report) });
      },
    },
    StopPods: step('StopPods'),
    WipeManifests: step('WipeManifests'),
    RemoveNetns: step('RemoveNetns'),

    RestoreManifests: {
      validate: (req) => validRestoreRequest(req, deps.isBackupId),
      async run(v, ctx) {
        log.warn(
          {
            audit: 'destructive',
            phase: 'start',
            method: 'RestoreManifests',
            identity: ctx.caller.identity,
            backupId: v.backupId ?? 'newest',
          },
          'RestoreManifests starting',
        );
        const res = await engine.sweeper.restoreManifests(v.backupId);
        log.warn(
          {
            audit: 'destructive',
            phase: 'finish',
            method: 'RestoreManifests',
            identity: ctx.caller.identity,
            backupId: res.backupId,
            restored: res.restored,
            unchanged: res.unchanged.length,
          },
          'RestoreManifests finished',
        );
        return restoreMsg(res);
      },
    },

    ListPorts: {
      validate: validListPortsRequest,
      run: async (v) => portReportMsg(await engine.listPorts({ allNetns: v.allNetns })),
    },

    CheckPorts: {
      validate: validCheckPortsRequest,
      run: async (v) => portCheckMsg(await engine.checkPorts(v.ports ?? config.expectFreePorts)),
    },

    Inspect: {
      validate: noInput,
      run: async () => ({ ...inventoryMsg(await engine.sweeper.inspect()), dirWarnings: dirWarnings(engine.runtimeDirs?.()) }),
    },

    Info: {
      validate: noInput,
      async run() {
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
    },
  };
}
