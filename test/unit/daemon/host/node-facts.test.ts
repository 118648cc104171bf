// Node facts: systeminformation asked once and let go, hostname and uptime live, and no
// synchronous `date` run (systeminformation's time() blocked the event loop and loaded ICU's
// time zones for the agent's life).
import cp from 'node:child_process';
import os from 'node:os';
import t from 'tap';
import { nodeFacts } from '../../../../agent/daemon/host/node-facts';

// Every command systeminformation runs, recorded (it takes these functions when it is loaded,
// which is on the first nodeFacts() call below: nothing in this file loads it before).
const commands: string[] = [];
for (const fn of ['exec', 'execSync', 'execFile', 'spawn'] as const) {
  const real = cp[fn] as (...a: unknown[]) => unknown;
  (cp as unknown as Record<string, unknown>)[fn] = (...a: unknown[]) => {
    commands.push([a[0], ...(Array.isArray(a[1]) ? (a[1] as string[]) : [])].join(' '));
    return real.apply(cp, a);
  };
}
const siLoaded = (): boolean => Object.keys(require.cache).some((k) => k.includes('/node_modules/systeminformation/'));

t.test('node facts agree with the kernel; systeminformation is asked once, then let go', async (t) => {
  t.notOk(siLoaded(), 'not loaded before the first call');
  const f = await nodeFacts();
  t.equal(f.kernel, os.release());
  t.equal(f.hostname, os.hostname());
  t.equal(f.memoryBytes, os.totalmem());
  t.ok(f.cpus >= 1 && f.cpus <= os.cpus().length * 2);
  t.ok(f.uptimeSeconds > 0 && Math.abs(f.uptimeSeconds - os.uptime()) < 2);
  t.ok(f.os.length > 0);
  t.equal(f.arch, os.arch());
  t.ok(commands.length > 0, `systeminformation ran its commands: ${commands.length}`);
  t.notOk(
    commands.some((c) => /\bdate\b/.test(c)),
    `no synchronous date/time-zone lookup: ${commands.filter((c) => /\bdate\b/.test(c)).join('; ')}`,
  );
  t.notOk(siLoaded(), 'dropped from the module cache after answering');
  const ran = commands.length;
  const again = await nodeFacts();
  t.equal(commands.length, ran, 'the second call runs no command');
  t.notOk(siLoaded(), 'and does not load systeminformation again');
  t.same({ ...again, uptimeSeconds: 0 }, { ...f, uptimeSeconds: 0 }, 'the same facts');
});
