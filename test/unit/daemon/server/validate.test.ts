import t from 'tap';
import { CLEANUP_KINDS } from '../../../../agent/shared/kinds';
import { isBackupId } from '../../../../agent/daemon/sweep/backup';
import {
  parseBoolQuery,
  parsePortList,
  validBackupId,
  validCheckPortsRequest,
  validResetRequest,
  validRestoreRequest,
} from '../../../../agent/daemon/server/validate';

const INVALID = { code: 'KS_INVALID_ARGUMENT' };

t.test('reset requests', async (t) => {
  t.same(validResetRequest({}, { withPorts: true }), { confirmNode: '', dryRun: false, scope: 'all' });
  t.same(
    validResetRequest(
      { confirmNode: 'n', dryRun: true, scope: ['static', 'daemonset'], graceSeconds: 0, expectFreePorts: [6443, 6443, 10250] },
      { withPorts: true },
    ),
    {
      confirmNode: 'n',
      dryRun: true,
      scope: ['static', 'daemonset'],
      graceSeconds: 0,
      expectFreePorts: [6443, 10250],
    },
  );
  t.notOk('expectFreePorts' in validResetRequest({ expectFreePorts: [1] }, { withPorts: false }), 'steps ignore ports');
  t.throws(() => validResetRequest({ scope: ['static', 'static'] }, { withPorts: true }), INVALID);
  t.throws(() => validResetRequest({ scope: ['kube-system'] }, { withPorts: true }), INVALID);
  t.throws(() => validResetRequest({ scope: ['pod', 'static', 'daemonset', 'pod'] }, { withPorts: true }), INVALID);
  t.throws(() => validResetRequest({ graceSeconds: 3601 }, { withPorts: true }), INVALID);
  t.throws(() => validResetRequest({ expectFreePorts: [0] }, { withPorts: true }), INVALID);
  t.throws(() => validResetRequest({ expectFreePorts: [65536] }, { withPorts: true }), INVALID);
  t.throws(() => validResetRequest({ expectFreePorts: Array.from({ length: 1025 }, (_, i) => i + 1) }, { withPorts: true }), INVALID);
  t.throws(() => validResetRequest({ confirmNode: 'x'.repeat(254) }, { withPorts: true }), INVALID);
  t.throws(() => validResetRequest({ confirmNode: 'node\n1' }, { withPorts: true }), INVALID);
  t.throws(() => validResetRequest({ dryRun: 'yes' }, { withPorts: true }), INVALID);
});

t.test('backup ids: strict pattern, never a path', async (t) => {
  t.equal(validBackupId('20261129T110203Z-3fa9c1', isBackupId), '20261129T110203Z-3fa9c1');
  t.equal(validBackupId('', isBackupId), undefined, 'empty = newest');
  for (const bad of [
    '../../etc',
    '/etc/passwd',
    '20261129T110203Z-3fa9c1/..',
    '.',
    '..',
    'a/b',
    '20261129T110203Z-3fa9c1\0',
    'x'.repeat(65),
    '20261129T110203Z-3FA9C1',
  ]) {
    t.throws(() => validBackupId(bad, isBackupId), INVALID, JSON.stringify(bad));
  }
  t.throws(() => validBackupId('..', () => true), INVALID, 'our own outer pattern holds even if the engine check were lax');
  t.throws(() => validBackupId('a/b', () => true), INVALID);
  t.same(validRestoreRequest({ confirmNode: 'n', backupId: '' }, isBackupId), { confirmNode: 'n' });
});

t.test('ports and query strings', async (t) => {
  t.same(validCheckPortsRequest({ ports: [] }), {});
  t.same(parsePortList('6443,10250, 6443'), [6443, 10250]);
  t.equal(parsePortList(''), undefined);
  for (const bad of ['6443,x', '0', '65536', '-1', '1e3', '6443;rm', '123456']) t.throws(() => parsePortList(bad), INVALID, bad);
  t.throws(() => parsePortList(['1', '2']), INVALID, 'repeated query parameter');
  t.equal(parseBoolQuery('all_netns', '1'), true);
  t.equal(parseBoolQuery('all_netns', undefined), false);
  t.throws(() => parseBoolQuery('all_netns', 'maybe'), INVALID);
});

t.test('reset requests: cleanup kinds to add and to leave out', async (t) => {
  t.same(validResetRequest({ withKinds: ['firewall', 'cni-config', 'firewall'], withoutKinds: ['links'] }, { withPorts: true }), {
    confirmNode: '',
    dryRun: false,
    scope: 'all',
    withKinds: ['firewall', 'cni-config'],
    withoutKinds: ['links'],
  });
  t.same(
    validResetRequest({ withKinds: [], withoutKinds: [] }, { withPorts: true }),
    { confirmNode: '', dryRun: false, scope: 'all' },
    'empty lists: the defaults',
  );
  t.throws(() => validResetRequest({ withKinds: ['iptables'] }, { withPorts: true }), { ...INVALID, message: /with_kinds: unknown kind/ });
  t.throws(() => validResetRequest({ withoutKinds: 'links' }, { withPorts: true }), INVALID);
  t.throws(() => validResetRequest({ withKinds: ['links'], withoutKinds: ['links'] }, { withPorts: true }), {
    ...INVALID,
    message: /also in without_kinds: links/,
  });
  t.throws(
    () => validResetRequest({ withKinds: Array.from({ length: CLEANUP_KINDS.length + 1 }, () => 'links') }, { withPorts: true }),
    INVALID,
  );
  t.notOk('withKinds' in validResetRequest({ withKinds: ['firewall'] }, { withPorts: false }), 'single steps take no kinds');
});
