// The HTTP server does not load fastify's schema compilers (ajv, fast-json-stringify) until a
// route with a schema needs them, and with them loaded on first use schemas still work.
import Fastify from 'fastify';
import t from 'tap';
import { buildHttpServer } from '../../../../agent/daemon/server/http';
import { LAZY_COMPILERS } from '../../../../agent/daemon/server/lazy-compilers';
import { createMetrics } from '../../../../agent/daemon/server/metrics';
import { makeFakeEngine } from '../../../helpers/fake-engine';
import { captureLogger } from '../../../helpers/log-capture';

const loaded = (pkg: string): boolean => Object.keys(require.cache).some((k) => k.includes(`/node_modules/${pkg}/`));
const fileLoaded = (suffix: string): boolean => Object.keys(require.cache).some((k) => k.endsWith(suffix));

// First in this file (its own process): nothing else here has required ajv yet.
t.test('the agent’s HTTP server, built and serving, has not loaded ajv or fast-json-stringify', async (t) => {
  t.notOk(loaded('ajv'), 'nothing loaded ajv before');
  const engine = makeFakeEngine();
  const app = buildHttpServer({
    engine,
    metrics: createMetrics({ engine, expectFreePorts: [6443], nodeName: 'node-1', version: '0.1.0' }),
    expectFreePorts: [6443],
    log: captureLogger().log,
    isShuttingDown: () => false,
  });
  t.teardown(() => app.close());
  for (const url of ['/healthz', '/readyz', '/ports', '/ports/check', '/metrics', '/nope']) await app.inject(url);
  t.equal((await app.inject('/healthz')).statusCode, 200);
  for (const pkg of ['ajv', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler']) t.notOk(loaded(pkg), `${pkg} not loaded`);
  // fastify's error serializer needs fast-json-stringify's small runtime, not its compiler.
  t.notOk(fileLoaded('/node_modules/fast-json-stringify/index.js'), 'fast-json-stringify’s compiler not loaded');
});

t.test('a route with a schema still validates and serializes (the defaults, required on first use)', async (t) => {
  const app = Fastify({ schemaController: { compilersFactory: LAZY_COMPILERS } });
  t.teardown(() => app.close());
  app.get(
    '/n',
    {
      schema: {
        querystring: { type: 'object', properties: { n: { type: 'integer', maximum: 10 } }, required: ['n'] },
        response: { 200: { type: 'object', properties: { doubled: { type: 'integer' } } } },
      },
    },
    async (req) => ({ doubled: (req.query as { n: number }).n * 2, dropped: 'by the response schema' }),
  );
  t.same((await app.inject('/n?n=4')).json(), { doubled: 8 }, 'coerced, validated, serialized by the schema');
  t.equal((await app.inject('/n?n=11')).statusCode, 400, 'over the maximum: refused');
  t.equal((await app.inject('/n')).statusCode, 400, 'missing: refused');
  t.ok(loaded('ajv') && fileLoaded('/node_modules/fast-json-stringify/index.js'), 'now loaded');
});
