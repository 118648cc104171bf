import t from 'tap';
import { exitCodeOf, worstExitCode } from '../../../agent/client/verdict';
import { cleanReport, dirtyReport, dryRunReport, portCheck, received, receivedCheck } from '../../fixtures/client/samples';

t.test('reset: 0 only when verified clean', async (t) => {
  t.equal(exitCodeOf({ command: 'reset', value: received(cleanReport()) }), 0);
  t.equal(exitCodeOf({ command: 'reset', value: received(dirtyReport()) }), 1, 'residue');
  t.equal(exitCodeOf({ command: 'reset', value: received(dryRunReport()) }), 0, 'a dry run changes nothing and succeeds');
  const noVerify = cleanReport();
  delete noVerify.verification;
  t.equal(exitCodeOf({ command: 'reset', value: received(noVerify) }), 1, 'a reset without verification is not proven clean');
  t.equal(exitCodeOf({ command: 'reset', value: received({ ...cleanReport(), aborted: 'remove-pods failed' }) }), 1, 'aborted');
  const failedStep = cleanReport();
  failedStep.steps[0].status = 'failed';
  t.equal(exitCodeOf({ command: 'reset', value: received(failedStep) }), 1, 'a failed step even with a clean verdict');
});

t.test('single steps: 1 when a step failed, else 0', async (t) => {
  const stepOnly = cleanReport();
  delete stepOnly.verification;
  t.equal(exitCodeOf({ command: 'stop-pods', value: received(stepOnly) }), 0);
  const partial = cleanReport();
  delete partial.verification;
  partial.steps[0].status = 'partial';
  t.equal(exitCodeOf({ command: 'remove-netns', value: received(partial) }), 1);
});

t.test('check-ports and read-only commands', async (t) => {
  t.equal(exitCodeOf({ command: 'check-ports', value: receivedCheck(portCheck([], [6443])) }), 0);
  t.equal(exitCodeOf({ command: 'check-ports', value: receivedCheck(portCheck([6443], [10250])) }), 1);
  t.equal(exitCodeOf({ command: 'restore-manifests', value: { backupId: 'b', restored: [], unchanged: [] } }), 0);
  t.equal(worstExitCode([0, 1, 0]), 1);
  t.equal(worstExitCode([0, 2, 1]), 2);
  t.equal(worstExitCode([]), 0);
});
