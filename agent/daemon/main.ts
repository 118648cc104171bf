#!/usr/bin/env -S node --lite-mode --max-semi-space-size=2
// kubesweep-agent: the daemon's composition root. config → logger → engine → servers,
// then wait for SIGTERM: stop accepting, let a running reset reach a safe point (the engine
// records the interrupted run in its journal), close, exit.
// An agent with no CRI endpoint configured or learned, started before any known socket answers
// (boot order), comes up without a runtime (server/pending-engine.ts), asks again every
// DETECT_PERIOD_MS and, when exactly one answers, stops and starts again on it, in-process.
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { deepFreeze, loadConfig, USAGE, type AgentConfig } from './config';
import { renderConfigExample } from './config-example';
import { isKubesweepError, type KubesweepError } from '../shared/errors';
import { checkStateDir } from './host/state-dir';
import { recoverFromJournal } from './sweep/recover';
import { createLogger } from './log';
import { startIdleGc } from './idle-gc';
import { applyAgentRuntimeV8Flags } from './v8-flags';
import { startGrpcServers, type GrpcServers } from './server/grpc-server';
import { DestructiveLock } from './destructive-lock';
import { buildHttpServer } from './server/http';
import { createMetrics } from './server/metrics';
import { createPendingEngine } from './server/pending-engine';
import { createRealEngine } from './server/real-engine';
import { createHandlers } from './server/service';
import { isBackupId } from './sweep/backup';
import { agentVersion } from '../shared/version';
import { criProbe, detectCriEndpoint, KNOWN_CRI_ENDPOINTS, type EndpointProbe } from './runtime/endpoint-detect';
import { RuntimeLearner } from './runtime/learn';
import { loadLearned } from './runtime/learned-store';

/** How often the agent asks containerd about its dirs while it runs (also before each plan). */
export const RELEARN_PERIOD_MS = 5 * 60_000;

/** How often an agent that knows no CRI endpoint yet asks the known sockets again. */
export const DETECT_PERIOD_MS = 5_000;

/** What tests inject: the CRI sockets tried when none is configured, how they are probed and how often. */
export interface MainOptions {
  criCandidates?: readonly string[];
  probe?: EndpointProbe;
  detectPeriodMs?: number;
}

/** runAgent's "start again": the agent that waited for a CRI socket found one and restarts on it. */
const RESTART = -1;

/** Exit codes: 0 ok, 1 runtime failure, 2 bad configuration. */
export async function main(argv: readonly string[], opts: MainOptions = {}): Promise<number> {
  applyAgentRuntimeV8Flags();
  for (;;) {
    const code = await runAgent(argv, opts);
    if (code !== RESTART) return code;
  }
}

let unhandledLogged = false;

async function runAgent(argv: readonly string[], opts: MainOptions): Promise<number> {
  let config: AgentConfig;
  /**
   * No endpoint configured or learned and none of the known sockets answers (an agent started
   * before containerd): the agent comes up without a runtime and asks again every
   * DETECT_PERIOD_MS; this is the latest answer, which every runtime operation returns.
   */
  let pending: KubesweepError | undefined;
  const candidates = opts.criCandidates ?? KNOWN_CRI_ENDPOINTS;
  const probe = opts.probe ?? criProbe();
  let origins: ReturnType<typeof loadConfig>['origins'];
  let criEndpointSource: string;
  try {
    const loaded = loadConfig(argv);
    if (loaded.flags.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (loaded.flags.version) {
      process.stdout.write(`${agentVersion()}\n`);
      return 0;
    }
    if (loaded.flags.printConfig) {
      process.stdout.write(renderConfigExample());
      return 0;
    }
    config = loaded.config;
    origins = loaded.origins;
    criEndpointSource = origins.criEndpoint;
    if (origins.criEndpoint === 'default') {
      let learned: string | undefined;
      try {
        learned = loadLearned(config.stateDir)?.criEndpoint;
      } catch {
        learned = undefined;
      }
      try {
        const found = await detectCriEndpoint(candidates, probe, learned);
        config = deepFreeze({ ...config, criEndpoint: found.endpoint });
        criEndpointSource = found.source;
      } catch (err) {
        if (!isKubesweepError(err, 'KS_CRI_ENDPOINT_UNKNOWN')) throw err;
        // Checking a config file judges the file, not the node: a CRI that does not answer now is
        // said, not a bad config.
        if (loaded.flags.checkConfig) process.stderr.write(`kubesweep-agent: warning: ${err.message}\n`);
        // Two answering is refused (exit 2): which runtime's pods to remove is not guessed. None
        // answering is the boot order (containerd not up yet): wait for it, serving what needs no runtime.
        else if ((err.details.answered as unknown[]).length === 0) pending = err;
        else throw err;
      }
    }
    if (loaded.flags.checkConfig) {
      process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
      return 0;
    }
  } catch (err) {
    if (isKubesweepError(err, 'KS_CONFIG_INVALID') || isKubesweepError(err, 'KS_CRI_ENDPOINT_UNKNOWN')) {
      process.stderr.write(`kubesweep-agent: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const t0 = performance.now();
  const log = createLogger(config.logLevel);
  // One lock for the whole agent: the RPC adapter and the sweep engine both take it.
  const lock = new DestructiveLock();
  const real = pending ? undefined : realEngine(config, origins, log, lock);
  const engine = real?.engine ?? createPendingEngine(config, () => pending!);
  if (!real) log.warn({ candidates, everyMs: opts.detectPeriodMs ?? DETECT_PERIOD_MS }, `${pending!.message}: waiting for one to answer`);
  else {
    const learner = real.learner;
    // At start: ask containerd once (a down one fails fast; the learned state or its config file stand in).
    await learner.refresh();
    learner.startPeriodic(RELEARN_PERIOD_MS);
    const k = learner.knowledge;
    log.info(
      {
        runtime: k?.source ?? 'none',
        containerd: k?.containerdVersion,
        learnedAt: k?.at,
        dirs: Object.fromEntries(learner.resolved.entries.map((e) => [e.option, `${e.paths.join(',')} (${e.detail})`])),
      },
      'dirs in use',
    );
    if (!k)
      log.warn(
        { problems: learner.fallbackProblems, lastError: learner.lastAttempt?.error },
        'nothing known from containerd: the built-in dir defaults are used',
      );
  }

  let shuttingDown = false;
  const isShuttingDown = (): boolean => shuttingDown;
  const abort = new AbortController();
  const metrics = createMetrics({ engine, expectFreePorts: config.expectFreePorts, nodeName: config.nodeName, version: agentVersion() });
  const handlers = createHandlers({
    // Info shows no endpoint while none is known.
    config: pending ? deepFreeze({ ...config, criEndpoint: '' }) : config,
    engine,
    isBackupId,
    log,
    shutdownSignal: abort.signal,
    onReset: (r) => metrics.recordReset(r),
    criEndpointSource: pending ? 'pending' : criEndpointSource,
    origins,
  });

  let grpcServers: GrpcServers;
  let http: FastifyInstance | undefined;
  try {
    // A state dir someone else can write is refused before anything reads or writes it.
    checkStateDir(config.stateDir);
    const maxRssBytes = config.maxMemoryMiB * 1024 * 1024;
    grpcServers = await startGrpcServers({
      config,
      handlers,
      log,
      isShuttingDown,
      onCallDone: (m, c, d) => metrics.recordCall(m, c, d),
      onTlsReload: (result, _ms, notAfter) => {
        const at = Date.parse(notAfter) / 1000;
        // 'loaded' is the start: the expiry, not a reload.
        if (result === 'loaded') metrics.recordTlsExpiry(Number.isFinite(at) ? at : undefined);
        else metrics.recordTlsReload(result, Number.isFinite(at) ? at : undefined);
      },
      readLimits: { maxInflight: config.maxReadCalls, maxRssBytes },
      lock,
    });
    if (config.httpListen !== '') {
      http = buildHttpServer({
        engine,
        metrics,
        expectFreePorts: config.expectFreePorts,
        log,
        isShuttingDown,
        readLimits: { maxInflight: config.httpMaxRequests, maxRssBytes },
        maxConnections: config.httpMaxConnections,
        showOwners: config.httpOwners,
        hostNames: [config.nodeName, hostname()],
      });
      const i = config.httpListen.lastIndexOf(':');
      const host = config.httpListen.slice(0, i).replace(/^\[|\]$/g, '');
      await http.listen({ host, port: Number(config.httpListen.slice(i + 1)) });
    }
  } catch (err) {
    log.fatal({ err }, 'cannot start');
    process.stderr.write(`kubesweep-agent: cannot start: ${(err as Error).message}\n`);
    await http?.close().catch(() => undefined);
    engine.close();
    return isKubesweepError(err, 'KS_CONFIG_INVALID') ? 2 : 1;
  }
  // Every handler is awaited by the adapter; anything that still escapes is a bug to log, not
  // a reason to die in the middle of a reset.
  if (!unhandledLogged) process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
  unhandledLogged = true;
  // Only now, with our sockets bound (a second agent never gets here): what a killed agent left.
  try {
    recoverFromJournal(config.stateDir, log, 'agent start');
  } catch (err) {
    log.error({ err: (err as Error).message }, 'could not recover from the journal');
  }
  grpcServers.setServing(true);
  log.info(
    {
      node: config.nodeName,
      version: agentVersion(),
      grpc: grpcServers.bound,
      http: config.httpListen || 'off',
      startMs: Math.round(performance.now() - t0),
    },
    'kubesweep-agent ready',
  );
  // Give back what start-up, resets and bursts of reads leave on the heap once the agent is quiet.
  const idleGc = startIdleGc(() => lock.current !== undefined, log);

  return new Promise<number>((resolve) => {
    let code = 0;
    let detector: NodeJS.Timeout | undefined;
    const finish = (c: number): void => {
      clearTimeout(detector);
      idleGc.stop();
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.off('SIGHUP', onHup);
      resolve(c);
    };
    /** A signal stops the agent; finding the CRI endpoint (`RESTART`) starts it again on it. */
    const stop = (reason: NodeJS.Signals | 'cri-endpoint-found', exitCode: number): void => {
      if (shuttingDown) {
        // A signal during the restart's shutdown: stop, do not start again.
        if (code === RESTART && reason !== 'cri-endpoint-found') {
          code = 0;
          return;
        }
        log.warn({ signal: reason }, 'second signal: exiting now');
        finish(1);
        return;
      }
      shuttingDown = true;
      code = exitCode;
      const running = lock.current;
      log.info(
        { signal: reason, running },
        running ? `${reason}: stopping after ${running.method} reaches a safe point` : `${reason}: stopping`,
      );
      grpcServers.setServing(false);
      abort.abort(new Error(`agent received ${reason}`));
      void (async () => {
        // tryShutdown stops new calls at once and waits for running ones: a running reset
        // stops at its next safe point (abort signal) and still sends its report.
        await grpcServers.shutdown(config.shutdownTimeoutMs);
        await http?.close().catch(() => undefined);
        engine.close();
        log.info(
          { signal: reason, interrupted: running?.method },
          code === RESTART ? 'kubesweep-agent restarting' : 'kubesweep-agent stopped',
        );
        finish(code);
      })();
    };
    const onSignal = (signal: NodeJS.Signals): void => stop(signal, 0);
    // SIGHUP re-reads the TLS files (they are also watched); it never stops the agent.
    const onHup = (): void => {
      log.info({ signal: 'SIGHUP' }, 'SIGHUP: re-reading TLS files');
      grpcServers.reloadTls('SIGHUP');
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('SIGHUP', onHup);
    if (pending) {
      // Until one socket answers: ask again, and restart on it (the whole agent, so every part —
      // the engine, the learner, Info, shim ownership by address — starts from the one endpoint).
      const ask = async (): Promise<void> => {
        try {
          const found = await detectCriEndpoint(candidates, probe);
          if (shuttingDown) return;
          log.info({ criEndpoint: found.endpoint }, 'a CRI socket answers now: restarting on it');
          stop('cri-endpoint-found', RESTART);
        } catch (err) {
          if (shuttingDown) return;
          if (isKubesweepError(err, 'KS_CRI_ENDPOINT_UNKNOWN') && err.message !== pending!.message) {
            log.warn({ answered: err.details.answered }, err.message);
            pending = err;
          }
          detector = setTimeout(() => void ask(), opts.detectPeriodMs ?? DETECT_PERIOD_MS);
        }
      };
      detector = setTimeout(() => void ask(), opts.detectPeriodMs ?? DETECT_PERIOD_MS);
    }
  });
}

/** The engine of an agent that knows its CRI endpoint, and the learner of its runtime's dirs. */
function realEngine(
  config: AgentConfig,
  origins: ReturnType<typeof loadConfig>['origins'],
  log: ReturnType<typeof createLogger>,
  lock: DestructiveLock,
): { engine: ReturnType<typeof createRealEngine>; learner: RuntimeLearner } {
  const learner = new RuntimeLearner({
    configured: config,
    origins,
    // The engine's own CRI client (built on first use); called only after the engine exists.
    cri: () => engine.criClient(),
    log,
    containerdConfig: config.containerdConfig,
  });
  const engine = createRealEngine(config, learner, log, lock);
  return { engine, learner };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`kubesweep-agent: fatal: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
