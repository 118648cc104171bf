import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { parseShow, stopUnit } from '../../../../agent/daemon/host/systemctl';

t.test('parseShow', async (t) => {
  t.same(parseShow('LoadState=loaded\nActiveState=active\n'), { LoadState: 'loaded', ActiveState: 'active' });
  t.same(parseShow('garbage\nX=a=b\n'), { X: 'a=b' });
});

t.test('stopUnit', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-sysd-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.same(await stopUnit('kubelet.service', { runDir: path.join(dir, 'absent') }), { outcome: 'skipped', message: 'systemd is not running on this node' }, 'no systemd: skipped, not an error');
  const runDir = path.join(dir, 'system');
  mkdirSync(runDir);
  const calls = path.join(dir, 'calls');
  // A stand-in systemctl that records its arguments and answers from $STATE.
  const fake = path.join(dir, 'systemctl');
  const script = (state: string, stopRc = 0) =>
    `#!/bin/sh\necho "$@" >> ${calls}\nif [ "$1" = show ]; then printf '${state}'; exit 0; fi\nif [ "$1" = stop ]; then [ ${stopRc} = 0 ] || echo "Failed to stop $3: Access denied" >&2; exit ${stopRc}; fi\n`;
  writeFileSync(fake, script('LoadState=loaded\\nActiveState=active\\n'));
  chmodSync(fake, 0o755);
  t.same(await stopUnit('kubelet.service', { runDir, systemctl: fake }), { outcome: 'done', message: 'stopped kubelet.service' });
  t.match(readFileSync(calls, 'utf8'), /stop -- kubelet.service/);
  writeFileSync(fake, script('LoadState=not-found\\nActiveState=inactive\\n'));
  t.equal((await stopUnit('kubelet.service', { runDir, systemctl: fake })).outcome, 'gone', 'not installed = gone');
  writeFileSync(fake, script('LoadState=loaded\\nActiveState=inactive\\n'));
  t.equal((await stopUnit('kubelet.service', { runDir, systemctl: fake })).outcome, 'gone', 'already stopped = gone');
  writeFileSync(fake, script('LoadState=loaded\\nActiveState=active\\n', 1));
  await t.rejects(stopUnit('kubelet.service', { runDir, systemctl: fake }), { code: 'KS_UNIT_STOP_FAILED', message: /Access denied/ });
});
