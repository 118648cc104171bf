import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { classifyEnablement, disableUnit, parseShow, stopUnit, unitEnablement } from '../../../../agent/daemon/host/systemctl';

t.test('parseShow', async (t) => {
  t.same(parseShow('LoadState=loaded\nActiveState=active\n'), { LoadState: 'loaded', ActiveState: 'active' });
  t.same(parseShow('garbage\nX=a=b\n'), { X: 'a=b' });
});

t.test('stopUnit', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-sysd-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.same(
    await stopUnit('kubelet.service', { runDir: path.join(dir, 'absent') }),
    { outcome: 'skipped', message: 'systemd is not running on this node' },
    'no systemd: skipped, not an error',
  );
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

t.test('classifyEnablement', async (t) => {
  t.equal(classifyEnablement({ LoadState: 'loaded', UnitFileState: 'enabled' }).state, 'enabled');
  t.equal(classifyEnablement({ LoadState: 'loaded', UnitFileState: 'enabled-runtime' }).state, 'enabled');
  t.equal(classifyEnablement({ LoadState: 'loaded', UnitFileState: 'disabled' }).state, 'disabled');
  t.equal(classifyEnablement({ LoadState: 'masked', UnitFileState: 'masked' }).state, 'disabled');
  t.equal(classifyEnablement({ LoadState: 'not-found', UnitFileState: '' }).state, 'not-found');
  t.equal(classifyEnablement({ LoadState: 'loaded', UnitFileState: 'static' }).state, 'other');
});

t.test('unitEnablement / disableUnit', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-sysd-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.same(await unitEnablement('kubelet.service', { runDir: path.join(dir, 'absent') }), { state: 'no-systemd', unitFileState: '' });
  t.equal((await disableUnit('kubelet.service', { runDir: path.join(dir, 'absent') })).outcome, 'skipped', 'no systemd: skipped');
  const runDir = path.join(dir, 'system');
  mkdirSync(runDir);
  const calls = path.join(dir, 'calls');
  const fake = path.join(dir, 'systemctl');
  const script = (state: string, rc = 0) =>
    `#!/bin/sh\necho "$@" >> ${calls}\nif [ "$1" = show ]; then printf '${state}'; exit 0; fi\nif [ "$1" = disable ]; then [ ${rc} = 0 ] || echo "Failed to disable unit: Access denied" >&2; exit ${rc}; fi\n`;
  writeFileSync(fake, script('LoadState=loaded\\nUnitFileState=enabled\\n'));
  chmodSync(fake, 0o755);
  t.same(await unitEnablement('kubelet.service', { runDir, systemctl: fake }), { state: 'enabled', unitFileState: 'enabled' });
  t.same(await disableUnit('kubelet.service', { runDir, systemctl: fake }), {
    outcome: 'done',
    message: 'disabled kubelet.service (was enabled)',
  });
  t.match(readFileSync(calls, 'utf8'), /disable -- kubelet.service/);
  writeFileSync(fake, script('LoadState=loaded\\nUnitFileState=disabled\\n'));
  t.equal((await disableUnit('kubelet.service', { runDir, systemctl: fake })).outcome, 'gone', 'already disabled');
  writeFileSync(fake, script('LoadState=not-found\\nUnitFileState=\\n'));
  t.equal((await disableUnit('kubelet.service', { runDir, systemctl: fake })).outcome, 'gone', 'not installed');
  writeFileSync(fake, script('LoadState=loaded\\nUnitFileState=enabled\\n', 1));
  await t.rejects(disableUnit('kubelet.service', { runDir, systemctl: fake }), {
    code: 'KS_UNIT_DISABLE_FAILED',
    message: /Access denied/,
  });
});
