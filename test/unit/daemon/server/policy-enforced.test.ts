// The adapter enforces the policy table (shared/rpc-policy.ts) itself: handlers that check
// nothing at all — no role, no confirmation, no lock — are never run for a destructive call that
// lacks the guard. Every RPC is driven through adaptUnary/adaptServerStream with a fake grpc-js
// call, as a TLS peer whose certificate maps to a role.
import { EventEmitter } from 'node:events';
import t from 'tap';
import pino from 'pino';
import { adaptServerStream, adaptUnary, type AdapterDeps, type CallContext } from '../../../../agent/daemon/server/adapter';
import { DestructiveLock } from '../../../../agent/daemon/destructive-lock';
import { RPC_NAMES, RPC_POLICY, type RpcName, type RpcPolicy } from '../../../../agent/shared/rpc-policy';

const NODE = 'node-1';
const roles = { admin: ['CN=admin'], reader: ['CN=reader'] };
type Req = { confirmNode?: string; dryRun?: boolean };
type Outcome = { ran: boolean; ksCode?: string; heldLock?: boolean };

function fakeCall(cn: string, request: Req) {
  const call = Object.assign(new EventEmitter(), {
    request,
    cancelled: false,
    destroyed: false,
    writableEnded: false,
    getPeer: () => '127.0.0.1:1',
    getAuthContext: () => ({ transportSecurityType: 'ssl', sslPeerCertificate: { subject: { CN: cn } } }),
    write: () => true,
    end() {
      call.writableEnded = true;
      call.emit('done', null);
    },
  });
  return call;
}

/** Call `rpc` through the adapter with a handler that checks nothing and records whether it ran. */
function call(rpc: RpcName, cn: string, request: Req, lock: DestructiveLock): Promise<Outcome> {
  const deps: AdapterDeps = { transport: 'tls', roles, log: pino({ level: 'silent' }), isShuttingDown: () => false, nodeName: NODE, lock };
  let ran = false;
  let heldLock: boolean | undefined;
  const handler = {
    validate: (r: Req) => r,
    run: async (_input: Req, ctx: CallContext): Promise<void> => {
      ran = true;
      heldLock = lock.holds(ctx.lease);
    },
  };
  const codeOf = (err: { details?: string } | null): string | undefined => (err ? /^(KS_[A-Z_]+)/.exec(err.details ?? '')?.[1] : undefined);
  return new Promise((resolve) => {
    const c = fakeCall(cn, request);
    if (rpc === 'Reset') {
      c.on('error', (err: { details?: string }) => resolve({ ran, ksCode: codeOf(err), heldLock }));
      c.on('done', () => resolve({ ran, heldLock }));
      adaptServerStream(rpc, deps, handler)(c as never);
    } else {
      adaptUnary(rpc, deps, handler)(c as never, (err) => resolve({ ran, ksCode: codeOf(err), heldLock }));
    }
  });
}

const destructiveRpcs = RPC_NAMES.filter((r) => (RPC_POLICY[r] as RpcPolicy).destructive);
const readRpcs = RPC_NAMES.filter((r) => (RPC_POLICY[r] as RpcPolicy).read);

t.test('a destructive call without the guard never reaches its handler', async (t) => {
  t.ok(destructiveRpcs.length >= 5, destructiveRpcs.join(', '));
  for (const rpc of destructiveRpcs) {
    const lock = new DestructiveLock();
    t.same(
      await call(rpc, 'reader', { confirmNode: NODE }, lock),
      { ran: false, ksCode: 'KS_PERMISSION_DENIED' },
      `${rpc}: a reader is refused`,
    );
    t.same(
      await call(rpc, 'stranger', { confirmNode: NODE }, lock),
      { ran: false, ksCode: 'KS_PERMISSION_DENIED' },
      `${rpc}: no role is refused`,
    );
    t.same(await call(rpc, 'admin', {}, lock), { ran: false, ksCode: 'KS_CONFIRM_MISMATCH' }, `${rpc}: no confirm_node is refused`);
    t.same(
      await call(rpc, 'admin', { confirmNode: 'node-2' }, lock),
      { ran: false, ksCode: 'KS_CONFIRM_MISMATCH' },
      `${rpc}: another node's name is refused`,
    );
    const other = lock.acquire('Reset', 'CN=someone');
    t.same(
      await call(rpc, 'admin', { confirmNode: NODE }, lock),
      { ran: false, ksCode: 'KS_BUSY' },
      `${rpc}: refused while the lock is held`,
    );
    other();
    t.same(
      await call(rpc, 'admin', { confirmNode: NODE }, lock),
      { ran: true, heldLock: true },
      `${rpc}: guarded call runs holding the lock`,
    );
    t.equal(lock.current, undefined, `${rpc}: the lock is released when the call is done`);
  }
});

t.test('reads and dry runs run without the lock, for readers too', async (t) => {
  for (const rpc of readRpcs) {
    const lock = new DestructiveLock();
    const held = lock.acquire('Reset', 'CN=someone');
    t.same(
      await call(rpc, 'reader', { dryRun: true }, lock),
      { ran: true, heldLock: false },
      `${rpc}: a reader's read runs alongside a destructive call`,
    );
    t.same(
      await call(rpc, 'stranger', { dryRun: true }, lock),
      { ran: false, ksCode: 'KS_PERMISSION_DENIED' },
      `${rpc}: no role is refused`,
    );
    held();
  }
});
