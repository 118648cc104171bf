import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { parseProcNet } from '../../../../agent/daemon/ports/proc-net';
import { readTable, stateField } from '../../../../agent/daemon/ports/read-table';

const FIX = path.join(__dirname, '../../../fixtures/ports');

t.test('a TCP table is read up to the first non-LISTEN line, at any chunk size', async (t) => {
  for (const [file, fam, listeners] of [
    ['proc-net-tcp.txt', 4, 3],
    ['proc-net-tcp6.txt', 6, 4],
    ['proc-net-tcp-outbound.txt', 4, 1],
  ] as const) {
    const full = readFileSync(path.join(FIX, file), 'utf8');
    for (const chunkSize of [1, 7, 150, 4096, 65536]) {
      const text = readTable(path.join(FIX, file), { stopAfterListeners: true, chunkSize });
      t.ok(full.startsWith(text), `${file}/${chunkSize}: a prefix of the file`);
      const r = parseProcNet(text, 'tcp', fam, { littleEndian: true });
      t.equal(r.entries.length, listeners, `${file}/${chunkSize}: exactly the ${listeners} listeners`);
      t.ok(r.entries.every((e) => e.state === 0x0a));
      t.equal(r.malformed, 0);
    }
  }
});

t.test('without stopAfterListeners the whole file comes back', async (t) => {
  for (const file of ['proc-net-udp.txt', 'proc-net-tcp.txt']) {
    const full = readFileSync(path.join(FIX, file), 'utf8');
    t.equal(readTable(path.join(FIX, file), { stopAfterListeners: false, chunkSize: 13 }), full);
  }
});

t.test('a malformed line among the listeners does not end the read; a missing file throws ENOENT', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ks-table-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const lines = readFileSync(path.join(FIX, 'proc-net-tcp.txt'), 'utf8').split('\n');
  const file = path.join(dir, 'tcp');
  writeFileSync(file, [lines[0], lines[1], 'garbage line', lines[2], lines[3], lines[4], ''].join('\n'));
  const r = parseProcNet(readTable(file, { stopAfterListeners: true, chunkSize: 5 }), 'tcp', 4, { littleEndian: true });
  t.equal(r.entries.length, 3, 'the listeners on both sides of the bad line');
  t.equal(r.malformed, 1, 'the bad line counted');
  t.throws(() => readTable(path.join(dir, 'nope'), { stopAfterListeners: true }), { code: 'ENOENT' });
});

t.test('stateField', async (t) => {
  t.equal(stateField('   0: 00000000:07E8 00000000:0000 0A 00000000:00000000'), '0A');
  t.equal(stateField('  sl  local_address rem_address   st tx_queue'), 'st');
  t.equal(stateField('   0: 00000000:07E8'), undefined);
});
