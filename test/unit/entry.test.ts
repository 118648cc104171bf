import t from 'tap';
import { dispatch } from '../../agent/entry';

t.test('invoked as kubesweep-agent (a symlink to the one file) it is the daemon, arguments as given', async (t) => {
  t.same(dispatch('/usr/bin/kubesweep-agent', ['--config', '/etc/kubesweep/config.yaml']), {
    role: 'agent',
    args: ['--config', '/etc/kubesweep/config.yaml'],
  });
  t.same(dispatch('kubesweep-agent', []), { role: 'agent', args: [] });
  // The npm layout's file name and a versioned name still count.
  t.same(dispatch('/opt/kubesweep/kubesweep-agent-linux-x64', ['--help']).role, 'agent');
});

t.test('`kubesweep agent ARGS` is the daemon with ARGS', async (t) => {
  t.same(dispatch('/usr/bin/kubesweep', ['agent', '--node-name', 'n1']), { role: 'agent', args: ['--node-name', 'n1'] });
  t.same(dispatch('/tmp/kubesweep-linux-x64', ['agent']), { role: 'agent', args: [] });
});

t.test('anything else is the client, arguments untouched', async (t) => {
  t.same(dispatch('/usr/bin/kubesweep', ['--json', 'ports']), { role: 'client', args: ['--json', 'ports'] });
  t.same(
    dispatch('/usr/bin/kubesweep', ['info', 'agent']),
    { role: 'client', args: ['info', 'agent'] },
    '"agent" only counts as the first argument',
  );
  t.same(dispatch('/usr/bin/kubesweep-agentx', []).role, 'client', 'a name that merely starts with the letters is not the agent');
  t.same(dispatch('/srv/kubesweep-agent/kubesweep', []).role, 'client', 'only the base name counts');
});
