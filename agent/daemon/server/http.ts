// The HTTP side (fastify): liveness, readiness (CRI reachable), the port report, a port check
// a load balancer / Ansible `uri` / monitoring probe can use (200 all free, 503 when held),
// and Prometheus metrics. Nothing authenticates an HTTP caller, so the port documents carry only
// what an unprivileged `ss -ltn` shows (publicPortReport) unless the operator sets httpOwners. Read-only by construction: there are only GET routes. build()
// returns the app without listening, so tests use inject() or listen on port 0. The port
// documents are the ListPorts/CheckPorts messages rendered as JSON (shared/api-doc.ts): the
// same conversion the gRPC side sends, so HTTP and `kubesweep --json` show the same fields.
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import Fastify, { type FastifyInstance } from 'fastify';
import type pino from 'pino';
import { apiDocument } from '../../shared/api-doc';
import { ERRORS, ksError, toKubesweepError } from '../../shared/errors';
import { capConnections } from './connection-cap';
import { LAZY_COMPILERS } from './lazy-compilers';
import { portCheckMsg, portReportMsg } from './convert';
import type { AgentEngine } from './engine';
import { DEFAULT_HTTP_MAX_CONNECTIONS, DEFAULT_HTTP_READ_LIMITS, ReadAdmission, type ReadLimits } from './limits';
import type { AgentMetrics } from './metrics';
import { parseBoolQuery, parsePortList } from './validate';

export interface HttpDeps {
  engine: AgentEngine;
  metrics: AgentMetrics;
  expectFreePorts: readonly number[];
  log: pino.Logger;
  isShuttingDown(): boolean;
  readLimits?: ReadLimits;
  maxConnections?: number;
  /** The operator's `httpOwners`: show owners (and other netns) to whoever reaches the port. */
  showOwners?: boolean;
  /** Names this port answers to besides IP literals and localhost (the node name, hostname). */
  hostNames?: readonly string[];
}

type Doc = Record<string, unknown>;

/**
 * A listener as any local user sees it with `ss -ltn`/`ss -lun`: protocol, family, address,
 * port. The HTTP port has no authentication, so by default that is all it says: owners (pid,
 * command line, container, pod), socket inodes and other network namespaces are for callers
 * the agent has authenticated (gRPC, reader role).
 */
function publicListener(l: Doc): Doc {
  return { protocol: l.protocol, family: l.family, address: l.address, port: l.port };
}

/** The ListPortsResponse document with only the fields an unprivileged user could see. */
export function publicPortReport(doc: Doc): Doc {
  return { listeners: ((doc.listeners as Doc[] | undefined) ?? []).map(publicListener), generatedAt: doc.generatedAt };
}

/** The CheckPortsResponse document: which ports are held (and on which address), not by whom. */
export function publicPortCheck(doc: Doc): Doc {
  return {
    allFree: doc.allFree,
    ports: ((doc.ports as Doc[] | undefined) ?? []).map((p) => ({
      port: p.port,
      held: p.held,
      listeners: ((p.listeners as Doc[] | undefined) ?? []).map(publicListener),
    })),
  };
}

/**
 * Whether a request's Host header names this agent: an IP literal (probes and scrapers by
 * address), localhost, or exactly one of `names` (the node name, the hostname). Anything else
 * is a name that merely resolves here, as in DNS rebinding, where a web page in a browser on
 * the node reads this port through a domain of its own (`node1.attacker.example` included).
 */
export function hostAllowed(host: string | undefined, names: readonly string[]): boolean {
  if (!host) return false;
  const h = host.toLowerCase().replace(/:\d+$/, '');
  if (isIP(h.replace(/^\[|\]$/g, '')) !== 0) return true;
  const name = h.replace(/\.$/, '');
  return ['localhost', ...names.map((n) => n.toLowerCase())].some((n) => n !== '' && name === n);
}

export function buildHttpServer(deps: HttpDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: 1024,
    routerOptions: { maxParamLength: 100 },
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    return503OnClosing: true,
    // ajv and fast-json-stringify only if a route ever has a schema (none has): lazy-compilers.ts.
    schemaController: { compilersFactory: LAZY_COMPILERS },
  });
  // Anyone on the node can reach this port: bound what they can make it hold. Beyond the
  // connection cap the oldest connection not serving a request makes room (connection-cap.ts:
  // slow connections cannot starve the liveness probe); reads beyond the in-flight cap get 429.
  capConnections(app.server, deps.maxConnections ?? DEFAULT_HTTP_MAX_CONNECTIONS);
  const admission = new ReadAdmission('HTTP', deps.readLimits ?? DEFAULT_HTTP_READ_LIMITS);
  const names = deps.hostNames ?? [hostname()];
  app.addHook('onRequest', (req, reply, done) => {
    // /healthz is what a liveness probe restarts the agent on: never refused.
    if (req.url === '/healthz' || req.url.startsWith('/healthz?')) return done();
    if (!hostAllowed(req.headers.host, names)) {
      void reply.code(421).send({
        error: {
          code: 'KS_INVALID_ARGUMENT',
          message: 'this port answers requests to its address, localhost or the node name only (Host header)',
        },
      });
      return;
    }
    let release: () => void;
    try {
      release = admission.admit(`${req.method} ${req.url.split('?')[0].slice(0, 100)}`);
    } catch (err) {
      void reply
        .code(429)
        .header('retry-after', '1')
        .send({ error: { code: 'KS_RESOURCE_EXHAUSTED', message: (err as Error).message } });
      return;
    }
    reply.raw.once('close', release);
    done();
  });

  app.setErrorHandler((err, req, reply) => {
    // fastify's own errors (bad URL, unsupported method …) carry a 4xx statusCode: keep it.
    const native = (err as { statusCode?: number }).statusCode;
    if (native && native < 500 && !(err as { code?: string }).code?.startsWith('KS_')) {
      void reply.code(native).send({ error: { code: 'KS_INVALID_ARGUMENT', message: (err as Error).message } });
      return;
    }
    const ks = toKubesweepError(err);
    if (ks.code === 'KS_INTERNAL') deps.log.error({ err, url: req.url }, 'http internal error');
    void reply
      .code(ERRORS[ks.code].http)
      .send({ error: { code: ks.code, message: ks.code === 'KS_INTERNAL' ? 'internal error (see the agent log)' : ks.message } });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .send({ error: { code: 'KS_INVALID_ARGUMENT', message: `no route ${req.method} ${req.url.split('?')[0].slice(0, 100)}` } });
  });
  app.addHook('onResponse', (req, reply, done) => {
    deps.log.debug(
      { http: true, method: req.method, url: req.url.slice(0, 200), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'http',
    );
    done();
  });

  app.get('/healthz', async () => ({ status: deps.isShuttingDown() ? 'shutting-down' : 'alive' }));

  app.get('/readyz', async (_req, reply) => {
    if (deps.isShuttingDown()) return reply.code(503).send({ ready: false, error: 'shutting down' });
    try {
      const v = await deps.engine.criVersion();
      return { ready: true, cri: { runtimeName: v.runtimeName, runtimeVersion: v.runtimeVersion, apiVersion: v.runtimeApiVersion } };
    } catch (err) {
      const ks = toKubesweepError(err);
      return reply.code(503).send({ ready: false, error: { code: ks.code, message: ks.message } });
    }
  });

  app.get('/ports', async (req) => {
    const q = req.query as Record<string, unknown>;
    const allNetns = parseBoolQuery('all_netns', q.all_netns);
    // A local user sees no other network namespace's sockets; neither does this port, by default.
    if (allNetns && !deps.showOwners)
      throw ksError(
        'KS_PERMISSION_DENIED',
        'all_netns is not served over HTTP unless the agent runs with httpOwners: true; use `kubesweep ports --all-netns` (gRPC, reader role)',
      );
    const doc = apiDocument('ListPortsResponse', portReportMsg(await deps.engine.listPorts({ allNetns })));
    return deps.showOwners ? doc : publicPortReport(doc);
  });

  app.get('/ports/check', async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const ports = parsePortList(q.ports) ?? [...deps.expectFreePorts];
    const check = await deps.engine.checkPorts(ports);
    const doc = apiDocument('CheckPortsResponse', portCheckMsg(check));
    return reply.code(check.allFree ? 200 : 503).send(deps.showOwners ? doc : publicPortCheck(doc));
  });

  app.get('/metrics', async (_req, reply) => {
    const registry = deps.metrics.registry();
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(text);
  });

  return app;
}
