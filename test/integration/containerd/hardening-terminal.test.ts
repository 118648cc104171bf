// Terminal injection (issue #22, 3): a local user's listener whose command line carries ESC
// sequences (clear screen, OSC 52 clipboard write), BEL and a bidi override. Root's `kubesweep
// ports` / `check-ports` tables show them escaped; `--json` keeps the exact bytes; a confirm name
// carrying the same is echoed escaped by the agent (answer and log) and the client.
import { spawn } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import { runClient, startAgent, testbedAgentArgs } from '../../helpers/agent';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';

const EVIL = '\x1b[2J\x1b]52;c;ZXZpbA==\x07\u202eevil\x1b[31m';
const RAW = /[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]/;

t.test('escape sequences and bidi overrides from a command line reach the operator escaped', async (t) => {
  const tb = await withTestbed(t);
  const port = await freePort();
  // Any local user's process: a loopback listener with the payload in its argv.
  // The payload is its argv[0], so that it leads the (truncated) command column.
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1')`], {
    argv0: `${EVIL} node`,
    stdio: 'ignore',
  });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  await waitFor('the listener', async () => !(await canBind(port)));
  const agent = await startAgent(t, {
    dir: tb.scratch,
    args: testbedAgentArgs(tb, {
      node: 'node1',
      manifestsDir: path.join(tb.scratch, 'manifests'),
      stateDir: path.join(tb.scratch, 'state'),
      expectFreePorts: [port],
    }),
  });
  const ks = (a: string[]) => runClient(['--agent', agent.socket, ...a]);

  const ports = await ks(['ports']);
  t.equal(ports.code, 0);
  const row = ports.stdout.split('\n').find((l) => l.includes(` ${port} `)) ?? '';
  t.match(row, /\\x1b\[2J\\x1b\]52;c;/, `the table shows the escapes: ${JSON.stringify(row)}`);
  t.notMatch(ports.stdout, RAW, 'no raw control or bidi character reaches stdout');

  const check = await ks(['check-ports', String(port)]);
  t.equal(check.code, 1, 'held');
  t.match(check.stdout, /\\x1b\[2J\\x1b\]52;c;ZXZpbA==\\x07\\u202eevil\\x1b\[31m/, 'check-ports shows every escape');
  t.notMatch(check.stdout, RAW, 'no raw control or bidi character in check-ports');

  const json = JSON.parse((await ks(['--json', 'ports'])).stdout) as { listeners: { port: number; owners: { command: string }[] }[] };
  const owner = json.listeners.find((l) => l.port === port)?.owners[0];
  t.ok(owner?.command.startsWith(`${EVIL} node -e`), '--json keeps the exact bytes (JSON escapes them itself)');

  // Control characters in a confirm name are refused by validation; bidi and isolates pass it.
  const wrong = await ks(['reset', '--confirm', `node\u202e1\u2066x`]);
  t.equal(wrong.code, 2, 'refused');
  t.match(wrong.stderr, /KS_CONFIRM_MISMATCH.*"node\\u202e1\\u2066x"/, `the echoed name is escaped: ${JSON.stringify(wrong.stderr)}`);
  t.notMatch(wrong.stderr, RAW, 'no raw control or bidi character on stderr');
  const logged = agent.logs.filter((l) => JSON.stringify(l).includes('KS_CONFIRM_MISMATCH') || JSON.stringify(l).includes('confirm_node'));
  t.ok(logged.length > 0, 'the refusal is logged');
  t.notMatch(JSON.stringify(logged), /\u202e|\u2066/, 'the log has the escaped name only');
});
