import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { formatAddress, formatIpv6, isListener, parseProcNet } from '../../../../agent/daemon/ports/proc-net';

const FIX = path.join(__dirname, '../../../fixtures/ports');
const fixture = (name: string) => readFileSync(path.join(FIX, name), 'utf8');
// The fixtures were captured on x86-64: words printed little-endian.
const LE = { littleEndian: true };

const listening = (text: string, proto: 'tcp' | 'udp', fam: 4 | 6) =>
  parseProcNet(text, proto, fam, { ...LE, listenersOnly: true }).entries.map((e) => `${e.localAddress}|${e.localPort}|${e.inode}`);

t.test('tcp (IPv4): every line parsed; LISTEN sockets on loopback and wildcard', async (t) => {
  const r = parseProcNet(fixture('proc-net-tcp.txt'), 'tcp', 4, LE);
  t.equal(r.malformed, 0);
  t.equal(r.entries.length, 5, 'header skipped, 5 sockets');
  const l = r.entries.filter(isListener);
  t.same(
    l.map((e) => [e.localAddress, e.localPort]),
    [
      ['0.0.0.0', 2024],
      ['0.0.0.0', 46444],
      ['127.0.0.1', 46443],
    ],
  );
  const est = r.entries.find((e) => e.localPort === 46443 && e.state === 1)!;
  t.ok(est, 'the server side of the established connection is there');
  t.equal(est.remoteAddress, '127.0.0.1');
  t.notOk(isListener(est), 'an established socket on a listening port is not a listener');
  t.same(listening(fixture('proc-net-tcp.txt'), 'tcp', 4), ['0.0.0.0|2024|134', '0.0.0.0|46444|19394', '127.0.0.1|46443|19393']);
  const out = parseProcNet(fixture('proc-net-tcp-outbound.txt'), 'tcp', 4, LE);
  t.equal(out.malformed, 0);
  const remote = out.entries.find((e) => e.remotePort === 443)!;
  t.equal(remote.localAddress, '192.0.2.2', 'non-loopback address decoded in the right byte order');
  t.equal(remote.localPort, 0xd784);
  t.equal(remote.remoteAddress, '203.0.113.80');
  t.equal(out.entries.filter(isListener).length, 1, 'outbound connections are not listeners');
});

t.test('tcp6: wildcard, ::1, v4-mapped; established ones skipped', async (t) => {
  const r = parseProcNet(fixture('proc-net-tcp6.txt'), 'tcp', 6, LE);
  t.equal(r.malformed, 0);
  t.equal(r.entries.length, 6);
  t.same(listening(fixture('proc-net-tcp6.txt'), 'tcp', 6), [
    '::1|46447|19397',
    '::|46446|19396',
    '::|46445|19395',
    '::ffff:127.0.0.1|46448|19398',
  ]);
  t.ok(r.entries.every((e) => e.family === 6 && e.protocol === 'tcp'));
});

t.test('udp and udp6: bound sockets with no peer are listeners, a connected one is not', async (t) => {
  const u4 = parseProcNet(fixture('proc-net-udp.txt'), 'udp', 4, LE);
  t.equal(u4.malformed, 0);
  t.equal(u4.entries.length, 3);
  t.same(listening(fixture('proc-net-udp.txt'), 'udp', 4), ['127.0.0.1|46453|19403', '0.0.0.0|46455|19405']);
  const connected = u4.entries.find((e) => e.remotePort === 46453)!;
  t.equal(connected.state, 1);
  t.notOk(isListener(connected));
  t.same(listening(fixture('proc-net-udp6.txt'), 'udp', 6), ['::|46454|19404', '::ffff:127.0.0.1|46456|19407']);
});

t.test('a pod netns table (captured inside a testbed pod)', async (t) => {
  t.same(listening(fixture('proc-net-tcp-pod-netns.txt'), 'tcp', 4), ['0.0.0.0|46602|21131']);
});

t.test('malformed lines are skipped and counted, never thrown on', async (t) => {
  const good = fixture('proc-net-tcp.txt').split('\n');
  const lines = [
    good[0],
    good[1],
    good[2].slice(0, 40), // truncated read
    '   7: 0100007F:ZZZZ 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1', // bad port
    '   8: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 abc 1', // bad inode
    'garbage',
    good[3].replace(/^\s*\d+:/, '  x:'), // bad sl
    '   9: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1', // v6 address in a v4 table
    '',
    good[4],
  ];
  const r = parseProcNet(lines.join('\n'), 'tcp', 4, LE);
  t.equal(r.malformed, 6);
  t.equal(r.entries.length, 2, 'the good lines still come out');
  t.same(parseProcNet('', 'tcp', 4), { entries: [], malformed: 0 }, 'empty file');
  const noHeader = parseProcNet(good[1], 'tcp', 4, LE);
  t.equal(noHeader.entries.length, 1, 'a table without header still parses');
  const v6InV4 = parseProcNet(fixture('proc-net-tcp6.txt'), 'tcp', 4, LE);
  t.equal(v6InV4.entries.length, 0);
  t.equal(v6InV4.malformed, 6, 'a tcp6 table read as IPv4: every line malformed');
});

t.test('address formatting', async (t) => {
  t.equal(formatAddress('0100007F', 4, true), '127.0.0.1');
  t.equal(formatAddress('7F000001', 4, false), '127.0.0.1', 'big-endian machines print the other way');
  t.equal(formatAddress('00000000000000000000000001000000', 6, true), '::1');
  t.equal(formatAddress('0000000000000000FFFF00000100007F', 6, true), '::ffff:127.0.0.1');
  t.equal(formatAddress('B80D0120000000000000000001000000', 6, true), '2001:db8::1');
  t.equal(
    formatIpv6([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2]),
    'fe80::1:0:0:2',
    'longest zero run compressed, first one on ties',
  );
  t.equal(formatIpv6([0, 1, 0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7]), '1:0:2:3:4:5:6:7', 'a single zero group is not compressed');
  t.equal(formatIpv6(new Array(16).fill(0)), '::');
});
