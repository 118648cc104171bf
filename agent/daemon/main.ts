#!/usr/bin/env -S node --lite-mode --max-semi-space-size=2
// kubesweep-agent: the daemon's composition root. config → logger → engine → servers,
// then wait for SIGTERM: stop accepting, let a running reset reach a safe point (the engine
// records the interrupted run in its journal), close, exit.
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { deepFreeze, loadConfig, USAGE, type AgentConfig } from './config';
import { renderConfigExample } from './config-example';
import { isKubesweepError } from '../shared/errors';
import { checkStateDir } from './host/state-dir';
import { recoverFromJournal } from './sweep/recover';
import { createLogger } from './log';
import { startGrpcServers, type GrpcServers } from './server/grpc-server';
import { DestructiveLock } from './destructive-lock';
import { buildHttpServer } from './server/http';
import { createMetrics } from './server/metrics';
import { createRealEngine } from './server/real-engine';
import { createHandlers } from './server/service';
import { isBackupId } from './sweep/backup';
import { agentVersion } from '../shared/version';
import { criProbe, detectCriEndpoint, KNOWN_CRI_ENDPOINTS, type EndpointProbe } from './runtime/endpoint-detect';
import { RuntimeLearner } from './runtime/learn';
import { loadLearned } from './runtime/learned-store';

/** How often the agent asks containerd about its dirs while it runs (also before each plan). */
export const RELEARN_PERIOD_MS = 5 * 60_000;

/** What tests inject: the CRI sockets tried when none is configured, and how they are probed. */
export interface MainOptions {
  criCandidates?: readonly string[];
  probe?: EndpointProbe;
}

/** Exit codes: 0 ok, 1 runtime failure, 2 bad configuration. */
export async function main(argv: readonly string[], opts: MainOptions = {}): Promise<number> {
  let config: AgentConfig;
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
        const found = await detectCriEndpoint(opts.criCandidates ?? KNOWN_CRI_ENDPOINTS, opts.probe ?? criProbe(), learned);
        config = deepFreeze({ ...config, criEndpoint: found.endpoint });
        criEndpointSource = found.source;
      } catch (err) {
        // Checking a config file judges the file, not the node: a CRI that does not answer now is
        // said, not a bad config (the agent itself refuses to start on it).
        if (!(loaded.flags.checkConfig && isKubesweepError(err, 'KS_CRI_ENDPOINT_UNKNOWN'))) throw err;
        process.stderr.write(`kubesweep-agent: warning: ${err.message}\n`);
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
  const learner = new RuntimeLearner({
    configured: config,
    origins,
    // The engine's own CRI client (built on first use); called only after the engine exists.
    cri: () => engine.criClient(),
    log,
    containerdConfig: config.containerdConfig,
  });
  // One lock for the whole agent: the RPC adapter and the sweep engine both take it.
  const lock = new DestructiveLock();
  const engine = createRealEngine(config, learner, log, lock);
  // At start: ask containerd once (a down one fails fast; the learned state or its config file stand in).
  await learner.refresh();
  learner.startPeriodic(RELEARN_PERIOD_MS);
  {
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
    config,
    engine,
    isBackupId,
    log,
    shutdownSignal: abort.signal,
    onReset: (r) => metrics.recordReset(r),
    criEndpointSource,
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
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
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

  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      if (shuttingDown) {
        log.warn({ signal }, 'second signal: exiting now');
        resolve(1);
        return;
      }
      shuttingDown = true;
      const running = lock.current;
      log.info({ signal, running }, running ? `${signal}: stopping after ${running.method} reaches a safe point` : `${signal}: stopping`);
      grpcServers.setServing(false);
      abort.abort(new Error(`agent received ${signal}`));
      void (async () => {
        // tryShutdown stops new calls at once and waits for running ones: a running reset
        // stops at its next safe point (abort signal) and still sends its report.
        await grpcServers.shutdown(config.shutdownTimeoutMs);
        await http?.close().catch(() => undefined);
        engine.close();
        log.info({ signal, interrupted: running?.method }, 'kubesweep-agent stopped');
        resolve(0);
      })();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    // SIGHUP re-reads the TLS files (they are also watched); it never stops the agent.
    process.on('SIGHUP', () => {
      log.info({ signal: 'SIGHUP' }, 'SIGHUP: re-reading TLS files');
      grpcServers.reloadTls('SIGHUP');
    });
  });
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
