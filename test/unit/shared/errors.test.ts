import { readFileSync } from 'node:fs';
import path from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import t from 'tap';
import { ERRORS, KubesweepError, ksError, toKubesweepError, type ErrorCode } from '../../../agent/shared/errors';
import { packageRoot } from '../../../agent/shared/paths';

const readme = readFileSync(path.join(packageRoot(), 'docs', 'errors.md'), 'utf8');

t.test('every registry code is documented in docs/errors.md with its gRPC status', async (t) => {
  for (const [code, def] of Object.entries(ERRORS)) {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
    t.ok(row, `${code} has a row in docs/errors.md`);
    t.match(row ?? '', `| ${GrpcStatus[def.grpc]} |`, `${code} is documented as ${GrpcStatus[def.grpc]}`);
  }
});

t.test('docs/errors.md documents no code the registry lacks', async (t) => {
  const documented = [...readme.matchAll(/^\| `(KS_[A-Z_]+)` \|/gm)].map((m) => m[1]);
  t.ok(documented.length > 0, 'docs/errors.md has an error table');
  for (const code of documented) t.ok(code in ERRORS, `${code} exists in agent/shared/errors.ts`);
});

t.test('KubesweepError carries code, statuses and frozen details', async (t) => {
  const err = ksError('KS_BUSY', 'reset running', { runId: 'r1' });
  t.ok(err instanceof KubesweepError);
  t.equal(err.code, 'KS_BUSY');
  t.equal(err.grpcStatus, GrpcStatus.ABORTED);
  t.equal(err.httpStatus, 409);
  t.ok(Object.isFrozen(err.details));
  const wrapped = toKubesweepError(new Error('boom'));
  t.equal(wrapped.code, 'KS_INTERNAL' satisfies ErrorCode);
  t.equal(toKubesweepError(err), err, 'registry errors pass through unchanged');
});
