// The V8 flags are one fact (agent/shared/node-flags.ts): the npm layout's unit, the daemon's
// shebang, the single file's build and the tests' agent must all carry it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { AGENT_NODE_FLAGS, SEA_EXEC_ARGV, YOUNG_GENERATION_FLAGS } from '../../../agent/shared/node-flags';
import { packageRoot } from '../../../agent/shared/paths';
import { seaConfig, shippedSeaOptions } from '../../../scripts/build/sea';

const root = packageRoot();

t.test('the agent unit runs node with AGENT_NODE_FLAGS', (t) => {
  const unit = readFileSync(path.join(root, 'systemd', 'kubesweep-agent.service'), 'utf8');
  const exec = unit.split('\n').filter((l) => l.startsWith('ExecStart='));
  t.equal(exec.length, 1, 'one ExecStart');
  t.equal(
    exec[0],
    `ExecStart=/usr/bin/node ${AGENT_NODE_FLAGS.join(' ')} /opt/kubesweep/dist/agent/daemon/main.js --config /etc/kubesweep/config.yaml`,
  );
  t.end();
});

t.test('the daemon started through its own shebang (the kubesweep-agent link) runs as the unit runs it', (t) => {
  // --lite-mode too: measured 72 → 60 MiB idle RSS for the npm layout started from its bin.
  const first = readFileSync(path.join(root, 'agent', 'daemon', 'main.ts'), 'utf8').split('\n')[0];
  t.equal(first, `#!/usr/bin/env -S node ${AGENT_NODE_FLAGS.join(' ')}`);
  t.end();
});

t.test('the single file is built with SEA_EXEC_ARGV, which bounds the young generation too', (t) => {
  const o = shippedSeaOptions('x64', '/b.js', '/out');
  t.same(o.execArgv, [...SEA_EXEC_ARGV]);
  t.match(seaConfig({ main: o.bundleFile, output: '/blob', useCodeCache: o.useCodeCache, execArgv: o.execArgv }), {
    execArgv: [...SEA_EXEC_ARGV],
  });
  for (const f of YOUNG_GENERATION_FLAGS) {
    t.ok(AGENT_NODE_FLAGS.includes(f), `the unit has ${f}`);
    t.ok(SEA_EXEC_ARGV.includes(f), `the single file has ${f}`);
  }
  t.end();
});

t.test('the flags do what they say: a node started with them has a young generation of at most 6 MiB', (t) => {
  // V8's heap limit is the old generation's plus three semi-spaces; the old generation's is the
  // same with or without the flag.
  const limit = (flags: readonly string[]) =>
    Number(
      spawnSync(process.execPath, [...flags, '-p', "require('v8').getHeapStatistics().heap_size_limit"], {
        encoding: 'utf8',
      }).stdout.trim(),
    ) / 1048576;
  const oldOnly = limit(['--max-semi-space-size=1']) - 3;
  const bounded = limit(YOUNG_GENERATION_FLAGS) - oldOnly;
  const unbounded = limit([]) - oldOnly;
  t.comment(
    `young generation limit: ${unbounded} MiB by default on ${process.version}, ${bounded} MiB with ${YOUNG_GENERATION_FLAGS.join(' ')}`,
  );
  t.ok(bounded <= 6, `bounded: ${bounded} MiB`);
  t.end();
});
