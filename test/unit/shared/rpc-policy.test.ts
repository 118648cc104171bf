// The policy table (agent/shared/rpc-policy.ts) against the service it governs: one row for every
// RPC the proto declares and no other, every destructive class guarded, and the client's guarded
// commands derived from it.
import t from 'tap';
import { agentServiceDefinition } from '../../../agent/daemon/server/grpc-server';
import { COMMANDS, GUARDED } from '../../../agent/client/types';
import { classify, entryRole, RPC_NAMES, RPC_POLICY, type RpcPolicy } from '../../../agent/shared/rpc-policy';

t.test('every RPC of kubesweep.v1.Agent has exactly one row', async (t) => {
  const served = Object.keys(agentServiceDefinition()).sort();
  t.ok(served.length >= 9, `the service is read from the proto (${served.join(', ')})`);
  t.same([...RPC_NAMES].sort(), served, 'the table lists the RPCs of the proto, no more, no fewer');
});

t.test('a destructive class always needs admin, the confirmation and the lock, and is never refused by read admission', async (t) => {
  for (const rpc of RPC_NAMES) {
    const row: RpcPolicy = RPC_POLICY[rpc];
    t.ok(row.read || row.destructive, `${rpc}: has a class of call`);
    if (row.destructive)
      t.same(row.destructive, { role: 'admin', confirmNode: true, lock: true, admission: 'exempt' }, `${rpc}: destructive class guarded`);
    if (row.read) t.same(row.read, { role: 'reader', confirmNode: false, lock: false, admission: 'bounded' }, `${rpc}: read class bounded`);
  }
});

t.test('a dry run is a read only where the RPC has a read class', async (t) => {
  t.equal(classify('Reset', true).class, 'read');
  t.equal(classify('Reset', false).class, 'destructive');
  t.equal(classify('StopPods', true).class, 'read');
  t.equal(classify('RestoreManifests', true).class, 'destructive', 'RestoreManifests has no dry run: dry_run set does not make it a read');
  t.equal(classify('ListPorts', false).class, 'read');
  t.equal(entryRole('Reset'), 'reader', 'a reader may at least dry-run a reset');
  t.equal(entryRole('RestoreManifests'), 'admin');
  t.equal(entryRole('Info'), 'reader');
});

t.test("the client's commands and guard come from the table", async (t) => {
  t.same(COMMANDS, [
    'reset',
    'stop-pods',
    'wipe-manifests',
    'remove-netns',
    'ports',
    'check-ports',
    'inspect',
    'restore-manifests',
    'info',
  ]);
  t.equal(new Set(COMMANDS).size, RPC_NAMES.length, 'one command per RPC');
  const destructive = RPC_NAMES.filter((r) => (RPC_POLICY[r] as RpcPolicy).destructive).map((r) => RPC_POLICY[r].command);
  t.same([...GUARDED].sort(), [...destructive].sort(), 'the client guards exactly the commands whose RPC can change the node');
  t.same([...GUARDED].sort(), ['remove-netns', 'reset', 'restore-manifests', 'stop-pods', 'wipe-manifests']);
});
