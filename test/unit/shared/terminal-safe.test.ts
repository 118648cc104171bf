// One sanitizer for everything printed for people (issue #22, 3): control characters, escape
// sequences and bidi/invisible format characters shown escaped; everything else untouched.
import t from 'tap';
import { terminalSafe, terminalSafeDeep } from '../../../agent/shared/terminal-safe';

t.test('control, escape and bidi characters are shown escaped', async (t) => {
  const rows: [string, string][] = [
    ['\x1b[2J', '\\x1b[2J'],
    ['\x1b]52;c;ZXZpbA==\x07', '\\x1b]52;c;ZXZpbA==\\x07'],
    ['a\nb\tc\rd\0', 'a\\x0ab\\x09c\\x0dd\\x00'],
    ['\x7f\x9b31m', '\\x7f\\x9b31m'],
    ['abc\u202egnp.exe', 'abc\\u202egnp.exe'],
    ['\u2066x\u2069\u200f\u061c\ufeff\u200b', '\\u2066x\\u2069\\u200f\\u061c\\ufeff\\u200b'],
  ];
  for (const [raw, shown] of rows) t.equal(terminalSafe(raw), shown, JSON.stringify(raw));
});

t.test('ordinary text, paths and non-Latin names stay as they are', async (t) => {
  for (const s of [
    '/usr/bin/kube-apiserver --etcd-servers=https://127.0.0.1:2379',
    'kube-system/nginx-proxy-node1',
    'ノード-1 ✓ │ é',
    'C:\\x1b (already a backslash)',
  ])
    t.equal(terminalSafe(s), s);
});

t.test('a decoded message: every string, at any depth; numbers, booleans, bytes kept', async (t) => {
  const msg = { port: 80, held: true, raw: Buffer.from([27]), owners: [{ command: 'x\x1by', pod: { name: '\u202e' } }], n: null };
  const safe = terminalSafeDeep(msg);
  t.same(safe, { port: 80, held: true, raw: Buffer.from([27]), owners: [{ command: 'x\\x1by', pod: { name: '\\u202e' } }], n: null });
  t.equal(msg.owners[0].command, 'x\x1by', 'the original is not changed');
});
