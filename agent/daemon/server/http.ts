// The HTTP side (fastify): liveness, readiness (CRI reachable), the port report, a port check
// a load balancer / Ansible `uri` / monitoring probe can use (200 all free, 503 with owners),
// and Prometheus metrics. Read-only by construction: there are only GET routes. build()
// returns the app without listening, so tests use inject() or listen on port 0. The port
// documents are the ListPorts/CheckPorts messages rendered as JSON (shared/api-doc.ts): the
// same conversion the gRPC side sends, so HTTP and `kubesweep --json` show the same fields.
import Fastify, { type FastifyInstance } from 'fastify';
import type pino from 'pino';
import { apiDocument } from '../../shared/api-doc';
import { ERRORS, toKubesweepError } from '../../shared/errors';
import { portCheckMsg, portReportMsg } from './convert';
import type { AgentEngine } from './engine';
import type { AgentMetrics } from './metrics';
import { parseBoolQuery, parsePortList } from './validate';

export interface HttpDeps {
  engine: AgentEngine;
  metrics: AgentMetrics;
  expectFreePorts: readonly number[];
  log: pino.Logger;
  isShuttingDown(): boolean;
}

export function buildHttpServer(deps: HttpDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: 1024,
    routerOptions: { maxParamLength: 100 },
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    return503OnClosing: true,
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
    void reply.code(ERRORS[ks.code].http).send({ error: { code: ks.code, message: ks.code === 'KS_INTERNAL' ? 'internal error (see the agent log)' : ks.message } });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: { code: 'KS_INVALID_ARGUMENT', message: `no route ${req.method} ${req.url.split('?')[0].slice(0, 100)}` } });
  });
  app.addHook('onResponse', (req, reply, done) => {
    deps.log.debug({ http: true, method: req.method, url: req.url.slice(0, 200), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'http');
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
    return apiDocument('ListPortsResponse', portReportMsg(await deps.engine.listPorts({ allNetns: parseBoolQuery('all_netns', q.all_netns) })));
  });

  app.get('/ports/check', async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const ports = parsePortList(q.ports) ?? [...deps.expectFreePorts];
    const check = await deps.engine.checkPorts(ports);
    return reply.code(check.allFree ? 200 : 503).send(apiDocument('CheckPortsResponse', portCheckMsg(check)));
  });

  app.get('/metrics', async (_req, reply) => {
    const registry = deps.metrics.registry();
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(text);
  });

  return app;
}
