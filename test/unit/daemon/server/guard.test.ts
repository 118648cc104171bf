import t from 'tap';
import { DestructiveLock } from '../../../../agent/daemon/destructive-lock';
import { checkConfirmNode } from '../../../../agent/daemon/server/guard';

t.test('confirm_node must equal the node name exactly', async (t) => {
  t.doesNotThrow(() => checkConfirmNode('node-1', 'node-1', 'Reset'));
  for (const bad of ['', 'node-2', 'NODE-1', 'node-1 ', ' node-1']) {
    t.throws(() => checkConfirmNode(bad, 'node-1', 'Reset'), { code: 'KS_CONFIRM_MISMATCH' }, JSON.stringify(bad));
  }
  t.throws(() => checkConfirmNode('', 'node-1', 'Reset'), /confirm_node is required/);
});

t.test('one destructive operation at a time', async (t) => {
  const lock = new DestructiveLock();
  const release = lock.acquire('Reset', 'CN=a');
  t.equal(lock.current?.method, 'Reset');
  t.throws(() => lock.acquire('StopPods', 'CN=b'), { code: 'KS_BUSY', message: /Reset by CN=a is running/ });
  release();
  t.equal(lock.current, undefined);
  const r2 = lock.acquire('StopPods', 'CN=b');
  release(); // a stale release must not free somebody else's lock
  t.equal(lock.current?.method, 'StopPods');
  r2();
  r2();
  t.equal(lock.current, undefined);
});
