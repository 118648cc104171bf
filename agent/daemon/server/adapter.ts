// The one adapter every gRPC handler goes through. grpc-js only catches synchronous throws, so
// an async handler whose promise rejects would leave the call hanging: here each handler is
// awaited, its error mapped through the registry (once, in toStatus), the callback called
// exactly once, and one audit line written per call. Requests that fail to decode arrive as
// a marker (see tolerantDeserializer) and are answered INVALID_ARGUMENT instead of grpc-js's
// INTERNAL. The adapter also enforces the RPC's row of the policy table (shared/rpc-policy.ts):
// role, request validation, confirmation and the one destructive lock all come before the
// handler runs, so a handler cannot forget them.
import * as grpc from '@grpc/grpc-js';
import type pino from 'pino';
import type { RoleMapping } from '../config';
import { ERRORS, ksError, toKubesweepError, type ErrorCode } from '../../shared/errors';
import { classify, entryRole, isRpcName, type RpcName } from '../../shared/rpc-policy';
import type { DestructiveLock, Lease } from '../destructive-lock';
import { identifyCaller, requireRole, type Caller, type Transport } from './auth';
import { checkConfirmNode } from './guard';
import type { ReadAdmission } from './limits';
import { wireFormatProblem } from './wire';

export const MALFORMED = '__ksMalformedRequest';

export interface AdapterDeps {
  transport: Transport;
  roles: RoleMapping;
  log: pino.Logger;
  /** What to call the peer when grpc-js cannot say (unix sockets have no remote address). */
  localName?: string;
  isShuttingDown: () => boolean;
  /** Called once per finished call (metrics). */
  onCallDone?: (method: string, code: string, durationMs: number) => void;
  /** Bounds read calls (limits.ts); destructive calls are never refused by it. */
  admission?: ReadAdmission;
  /** What destructive calls must confirm. */
  nodeName: string;
  /** The agent's one destructive lock (shared with the sweep engine). */
  lock: DestructiveLock;
}

/** Reads, and dry runs of destructive calls, are what a flood is made of: the policy's bounded admission. */
export function isReadCall(method: string, request: unknown): boolean {
  if (!isRpcName(method)) return false;
  const dryRun = !!request && typeof request === 'object' && (request as { dryRun?: unknown }).dryRun === true;
  return classify(method, dryRun).rule.admission === 'bounded';
}

export interface CallContext {
  method: string;
  caller: Caller;
  log: pino.Logger;
  /** True once the client has gone away (cancelled or disconnected). */
  cancelled(): boolean;
  /** Set for a destructive call: the adapter holds the one lock for it (the engine accepts it as its own). */
  lease?: Lease;
}

/** What the policy needs to see of a validated request. */
export interface GuardFields {
  dryRun?: boolean;
  confirmNode?: string;
}

/** An RPC's handler: validate the decoded request, then run. The adapter calls them in that order, with the policy between. */
export interface UnaryRpc<Req, V extends object, Res> {
  validate: (req: Req) => V;
  run: (input: V, ctx: CallContext) => Promise<Res>;
}

export interface StreamRpc<Req, V extends object, Ev> {
  validate: (req: Req) => V;
  run: (input: V, ctx: CallContext, write: (ev: Ev) => void) => Promise<void>;
}

export interface GrpcStatus {
  code: grpc.status;
  details: string;
  metadata: grpc.Metadata;
  ksCode: ErrorCode;
}

/**
 * Wrap a proto-loader deserializer so undecodable bytes become a marker, not a thrown error.
 * The marker never reaches a handler: precheck() answers it first, so handlers are typed with
 * the decoded request alone.
 */
export function tolerantDeserializer<T>(orig: (buf: Buffer) => T): (buf: Buffer) => T {
  return (buf: Buffer) => {
    const problem = wireFormatProblem(buf);
    if (problem) return { [MALFORMED]: problem } as T;
    try {
      return orig(buf);
    } catch (err) {
      return { [MALFORMED]: (err as Error).message ?? 'undecodable' } as T;
    }
  };
}

/** Registry error → gRPC status, in this one place. Unknown errors become INTERNAL with no stack leaked. */
export function toStatus(err: unknown, log?: pino.Logger): GrpcStatus {
  const ks = toKubesweepError(err);
  if (ks.code === 'KS_INTERNAL') log?.error({ err }, 'internal error');
  const metadata = new grpc.Metadata();
  metadata.set('ks-code', ks.code);
  const details = ks.code === 'KS_INTERNAL' ? `${ks.code}: internal error (see the agent log)` : `${ks.code}: ${ks.message}`;
  return { code: ERRORS[ks.code].grpc, details: details.slice(0, 1024), metadata, ksCode: ks.code };
}

interface AnyServerCall {
  request: unknown;
  getPeer(): string;
  getAuthContext(): ReturnType<grpc.ServerUnaryCall<unknown, unknown>['getAuthContext']>;
  cancelled: boolean;
}

function begin(method: string, deps: AdapterDeps, call: AnyServerCall): { caller: Caller; ctx: CallContext } {
  // Identify first, so that even refused calls are audited with the caller's identity.
  const caller = identifyCaller(call, deps.transport, deps.roles);
  if (caller.peer === 'unknown' && deps.localName) caller.peer = deps.localName;
  const ctx: CallContext = { method, caller, log: deps.log, cancelled: () => call.cancelled };
  return { caller, ctx };
}

/** Refusals before the handler runs; returns the read admission's release (or a no-op). */
function precheck(method: string, deps: AdapterDeps, call: AnyServerCall): () => void {
  if (deps.isShuttingDown()) throw ksError('KS_SHUTTING_DOWN', `${method}: the agent is shutting down`);
  const req = call.request as Record<string, unknown> | null | undefined;
  if (req && typeof req === 'object' && MALFORMED in req) {
    throw ksError('KS_INVALID_ARGUMENT', `${method}: the request is not a valid ${method} message`, {
      decodeError: String(req[MALFORMED]).slice(0, 200),
    });
  }
  return deps.admission && isReadCall(method, req) ? deps.admission.admit(method) : () => undefined;
}

/**
 * The RPC's policy row, in the order the handlers used to check it themselves: the lowest role
 * any call of it needs, the request's validation, then the role, confirmation and lock its class
 * of call needs (a dry run is a read). Returns the validated request; the lock's release is in
 * ctx.lease.
 */
function enforce<V extends object>(method: RpcName, deps: AdapterDeps, ctx: CallContext, validate: (req: never) => V, request: unknown): V {
  requireRole(ctx.caller, entryRole(method), method);
  const input = validate(request as never);
  const guard: GuardFields = input;
  const { rule } = classify(method, guard.dryRun === true);
  requireRole(ctx.caller, rule.role, method);
  if (rule.confirmNode) checkConfirmNode(guard.confirmNode ?? '', deps.nodeName, method);
  if (rule.lock) ctx.lease = deps.lock.acquire(method, ctx.caller.identity);
  return input;
}

function audit(
  deps: AdapterDeps,
  method: string,
  caller: Caller | undefined,
  peer: string,
  status: { code: grpc.status; ksCode?: ErrorCode; details?: string },
  t0: number,
): void {
  const durationMs = Math.round(performance.now() - t0);
  const codeName = grpc.status[status.code] ?? String(status.code);
  deps.log.info(
    {
      audit: 'call',
      method,
      identity: caller?.identity ?? 'unidentified',
      role: caller?.role,
      transport: deps.transport,
      peer,
      code: codeName,
      ksCode: status.ksCode,
      error: status.code === grpc.status.OK ? undefined : status.details,
      durationMs,
    },
    `${method} ${codeName}`,
  );
  deps.onCallDone?.(method, codeName, durationMs);
}

export function adaptUnary<Req, V extends object, Res>(
  method: RpcName,
  deps: AdapterDeps,
  rpc: UnaryRpc<Req, V, Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const t0 = performance.now();
    let caller: Caller | undefined;
    let done = false;
    let release = (): void => undefined;
    let ctx: CallContext | undefined;
    const finish = (err: unknown, res?: Res): void => {
      if (done) return;
      done = true;
      release();
      ctx?.lease?.();
      if (err === undefined) {
        audit(deps, method, caller, peerOf(call, deps), { code: grpc.status.OK }, t0);
        callback(null, res);
      } else {
        const st = toStatus(err, deps.log);
        audit(deps, method, caller, peerOf(call, deps), st, t0);
        callback({ name: 'KubesweepError', message: st.details, code: st.code, details: st.details, metadata: st.metadata }, null);
      }
    };
    (async () => {
      const b = begin(method, deps, call);
      caller = b.caller;
      ctx = b.ctx;
      release = precheck(method, deps, call);
      const input = enforce(method, deps, b.ctx, rpc.validate, call.request);
      return rpc.run(input, b.ctx);
    })().then(
      (res) => finish(undefined, res),
      (err) => finish(err ?? new Error('handler rejected with nothing')),
    );
  };
}

export function adaptServerStream<Req, V extends object, Res>(
  method: RpcName,
  deps: AdapterDeps,
  rpc: StreamRpc<Req, V, Res>,
): grpc.handleServerStreamingCall<Req, Res> {
  return (call) => {
    const t0 = performance.now();
    let caller: Caller | undefined;
    let done = false;
    // A client that goes away must not make later writes throw inside the engine's callbacks.
    const write = (msg: Res): void => {
      if (done || call.cancelled || call.destroyed || call.writableEnded) return;
      try {
        call.write(msg);
      } catch (err) {
        deps.log.debug({ err, method }, 'stream write failed');
      }
    };
    call.on('error', () => undefined);
    let release = (): void => undefined;
    let ctx: CallContext | undefined;
    const finish = (err: unknown): void => {
      if (done) return;
      done = true;
      release();
      ctx?.lease?.();
      if (err === undefined) {
        audit(deps, method, caller, peerOf(call, deps), { code: grpc.status.OK }, t0);
        if (!call.writableEnded) call.end();
      } else {
        const st = toStatus(err, deps.log);
        audit(deps, method, caller, peerOf(call, deps), st, t0);
        if (!call.writableEnded)
          call.emit('error', { name: 'KubesweepError', message: st.details, code: st.code, details: st.details, metadata: st.metadata });
      }
    };
    (async () => {
      const b = begin(method, deps, call);
      caller = b.caller;
      ctx = b.ctx;
      release = precheck(method, deps, call);
      const input = enforce(method, deps, b.ctx, rpc.validate, call.request);
      await rpc.run(input, b.ctx, write);
    })().then(
      () => finish(undefined),
      (err) => finish(err ?? new Error('handler rejected with nothing')),
    );
  };
}

function peerOf(call: { getPeer(): string }, deps: AdapterDeps): string {
  let peer = 'unknown';
  try {
    peer = call.getPeer();
  } catch {
    /* keep unknown */
  }
  return peer === 'unknown' && deps.localName ? deps.localName : peer;
}
