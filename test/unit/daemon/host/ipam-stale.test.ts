import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { parseReservationFile, releaseStaleReservation, scanReservations, staleReservations } from '../../../../agent/daemon/host/ipam';

const FIX = path.join(__dirname, '..', '..', '..', 'fixtures', 'host', 'ipam-dualstack');
const A = '0f3c9a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccd';
const B = '7e1f00aa11bb22cc33dd44ee55ff66007788990011223344556677889900aa';

function copyFixture(t: any): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-ipam-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(FIX, dir, { recursive: true });
  return dir;
}

t.test('parseReservationFile: IP-named files are reservations, bookkeeping is not', async (t) => {
  t.same(parseReservationFile('10.244.1.2', `${A}\r\neth0`), { ip: '10.244.1.2', containerId: A, ifname: 'eth0' });
  t.same(parseReservationFile('fd00:10:244:1::3', `${B}\r\neth0`), { ip: 'fd00:10:244:1::3', containerId: B, ifname: 'eth0' });
  t.same(parseReservationFile('10.22.0.9', `${A}\n`), { ip: '10.22.0.9', containerId: A }, 'old host-local: the id alone');
  t.equal(parseReservationFile('last_reserved_ip.0', '10.244.1.3'), undefined);
  t.equal(parseReservationFile('lock', ''), undefined);
});

t.test('scanReservations reads a captured host-local data dir (v4 + v6 ranges)', async (t) => {
  const dir = copyFixture(t);
  const scan = scanReservations([dir, path.join(dir, 'absent')]);
  t.same(scan.problems, []);
  t.same(
    scan.reservations.map((r) => `${r.network} ${r.ip} ${r.containerId.slice(0, 4)} ${r.ifname}`),
    ['cbr0 10.244.1.2 0f3c eth0', 'cbr0 10.244.1.3 7e1f eth0', 'cbr0 fd00:10:244:1::2 0f3c eth0', 'cbr0 fd00:10:244:1::3 7e1f eth0'],
  );
  t.same(
    scan.bookkeeping.map((p) => path.basename(p)),
    ['last_reserved_ip.0', 'last_reserved_ip.1', 'lock'],
  );
});

t.test('stale = container id not a live sandbox; release keeps bookkeeping and re-checks the owner', async (t) => {
  const dir = copyFixture(t);
  const { reservations } = scanReservations([dir]);
  const stale = staleReservations(reservations, new Set([B]));
  t.same(
    stale.map((r) => r.ip),
    ['10.244.1.2', 'fd00:10:244:1::2'],
    'only the dead sandbox A',
  );
  for (const r of stale) t.equal(releaseStaleReservation(r, [dir]).outcome, 'done');
  t.same(
    readdirSync(path.join(dir, 'cbr0')).sort(),
    ['10.244.1.3', 'fd00:10:244:1::3', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock'],
    "B's reservations and the plugin's files stay",
  );
  t.equal(releaseStaleReservation(stale[0], [dir]).outcome, 'gone', 'released twice: gone');
  // The address was handed to another container after the plan was made: not ours to release.
  writeFileSync(path.join(dir, 'cbr0', '10.244.1.2'), `${B}\r\neth0`);
  const again = releaseStaleReservation(stale[0], [dir]);
  t.equal(again.outcome, 'skipped');
  t.match(again.message, /now reserves the address for 7e1f00aa11bb/);
  t.ok(existsSync(path.join(dir, 'cbr0', '10.244.1.2')));
});

t.test('a symlinked network dir or reservation is never followed: left and reported; release stays scoped', async (t) => {
  const dir = copyFixture(t);
  const outside = mkdtempSync(path.join(tmpdir(), 'ks-ipam-out-'));
  t.teardown(() => rmSync(outside, { recursive: true, force: true }));
  writeFileSync(path.join(outside, '10.9.9.9'), `${A}\r\neth0`);
  symlinkSync(outside, path.join(dir, 'evil'));
  symlinkSync(path.join(outside, '10.9.9.9'), path.join(dir, 'cbr0', '10.244.1.99'));
  const scan = scanReservations([dir]);
  t.notOk(
    scan.reservations.some((x) => x.ip === '10.9.9.9' || x.ip === '10.244.1.99'),
    'nothing is read through a link',
  );
  t.same(
    scan.odd.map((o) => [path.relative(dir, o.path), o.type]),
    [
      ['cbr0/10.244.1.99', 'symlink'],
      ['evil', 'symlink'],
    ].sort(),
    'both links are odd entries, with why',
  );
  t.throws(
    () => releaseStaleReservation({ path: path.join(dir, 'evil', '10.9.9.9'), containerId: A }, [dir]),
    { code: 'KS_PATH_OUTSIDE_SCOPE' },
    'a path through the link is refused',
  );
  t.match(releaseStaleReservation({ path: path.join(dir, 'cbr0', '10.244.1.99'), containerId: A }, [dir]), { outcome: 'skipped' });
  t.ok(existsSync(path.join(outside, '10.9.9.9')), 'the file outside stays');
  mkdirSync(path.join(dir, 'empty-net'));
  t.equal(scanReservations([dir]).problems.length, 0);
});
