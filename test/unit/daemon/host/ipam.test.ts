import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { findReservations, parseReservation, releaseReservation } from '../../../../agent/daemon/host/ipam';

const FIX = path.join(__dirname, '../../../fixtures/host/ipam-host-local');
const NET = 'kubesweep-testbed-ks-WxFR7J';
const HOLDER = '998a6fc1ffe97f7681039841fa6924c8fb096dcaf9aa9df885de2a98b37b3d9f';

t.test('parseReservation: host-local writes "<id>\\r\\n<ifname>"; older versions the id alone', async (t) => {
  t.same(parseReservation(`${HOLDER}\r\neth0`), { containerId: HOLDER, ifname: 'eth0' });
  t.same(parseReservation('abc\n'), { containerId: 'abc' });
  t.equal(parseReservation(''), undefined);
  t.equal(parseReservation('../etc'), undefined);
});

t.test('findReservations / releaseReservation on a captured dataDir', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-ipam-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(FIX, dir, { recursive: true });
  writeFileSync(path.join(dir, NET, '10.240.78.3'), 'someoneelse\r\neth0');
  t.same(findReservations(dir, new Set(['nobody'])), []);
  const found = findReservations(dir, new Set([HOLDER]));
  t.same(found, [{ path: path.join(dir, NET, '10.240.78.2'), network: NET, ip: '10.240.78.2', containerId: HOLDER, ifname: 'eth0' }]);
  t.equal(releaseReservation(found[0], dir), 'done');
  t.notOk(existsSync(path.join(dir, NET, '10.240.78.2')), 'released');
  t.ok(existsSync(path.join(dir, NET, '10.240.78.3')), "another container's lease stays");
  t.ok(existsSync(path.join(dir, NET, 'lock')) && existsSync(path.join(dir, NET, 'last_reserved_ip.0')), "host-local's bookkeeping stays");
  t.equal(releaseReservation(found[0], dir), 'gone');
  t.throws(() => releaseReservation({ ...found[0], path: '/etc/hostname' }, dir), { code: 'KS_PATH_OUTSIDE_SCOPE' });
});

t.test('a reservation reached through a symlinked network dir outside the dataDir is refused', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-ipam-'));
  const outside = mkdtempSync(path.join(tmpdir(), 'ks-out-'));
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
  writeFileSync(path.join(outside, '10.0.0.9'), `${HOLDER}\r\neth0`);
  symlinkSync(outside, path.join(dir, 'net'));
  const found = findReservations(dir, new Set([HOLDER]));
  // readdir's withFileTypes does not follow the link: a linked dir is not a network dir here.
  t.same(found, []);
  t.throws(
    () => releaseReservation({ path: path.join(dir, 'net', '10.0.0.9'), network: 'net', ip: '10.0.0.9', containerId: HOLDER }, dir),
    { code: 'KS_PATH_OUTSIDE_SCOPE' },
  );
  t.ok(existsSync(path.join(outside, '10.0.0.9')));
});
