import t from 'tap';
import { wireFormatProblem } from '../../../../agent/daemon/server/wire';
import { agentServiceDefinition } from '../../../../agent/daemon/server/grpc-server';
import { MALFORMED } from '../../../../agent/daemon/server/adapter';

// A Reset request built one field entry at a time, in field-number order (the order protobufjs
// writes them). The serialized length of each prefix is where a top-level field ends: the
// encoder is the oracle, so the test needs no wire walk of its own.
const ENTRIES: [string, unknown][] = [
  ['confirmNode', 'node-1'],
  ['dryRun', true],
  ['scope', ['static']],
  ['scope', ['static', 'daemonset']],
  ['graceSeconds', 5],
  ['expectFreePorts', [6443, 10250]],
  ['withKinds', ['firewall']],
  ['withoutKinds', ['links']],
];

t.test('every cut of a framed request is refused or decodes to exactly the fields before it', { timeout: 20_000 }, async (t) => {
  const reset = agentServiceDefinition().Reset;
  const prefixes: Record<string, unknown>[] = [{}];
  for (const [key, value] of ENTRIES) prefixes.push({ ...prefixes[prefixes.length - 1], [key]: value });
  const good = reset.requestSerialize(prefixes[prefixes.length - 1]);
  const boundaries = new Map<number, Record<string, unknown>>();
  for (const p of prefixes) {
    const bytes = reset.requestSerialize(p);
    t.ok(good.subarray(0, bytes.length).equals(bytes), `${JSON.stringify(p)} is a prefix of the whole request`);
    boundaries.set(bytes.length, p);
  }
  t.equal(boundaries.size, prefixes.length, 'each field entry adds bytes');

  const wrong: string[] = [];
  let refused = 0;
  for (let n = 0; n < good.length; n++) {
    const cut = good.subarray(0, n);
    const problem = wireFormatProblem(cut);
    const decoded = reset.requestDeserialize(Buffer.from(cut)) as unknown as Record<string, unknown>;
    const prefix = boundaries.get(n);
    if (prefix === undefined) {
      if (problem === undefined) wrong.push(`cut at ${n} of ${good.length} not detected`);
      else if (decoded[MALFORMED] !== problem) wrong.push(`cut at ${n} detected but decoded to ${JSON.stringify(decoded)}`);
      else refused++;
      continue;
    }
    if (problem !== undefined) wrong.push(`cut at field boundary ${n} refused: ${problem}`);
    const expected = { ...reset.requestDeserialize(Buffer.alloc(0)), ...prefix } as Record<string, unknown>;
    for (const [k, v] of Object.entries(expected))
      if (JSON.stringify(decoded[k]) !== JSON.stringify(v))
        wrong.push(`cut at ${n}: ${k} = ${JSON.stringify(decoded[k])}, want ${JSON.stringify(v)}`);
  }
  t.same(wrong, [], `each of the ${good.length} cuts judged right`);
  t.equal(refused, good.length - boundaries.size + 1, 'every cut inside a field is refused');
});

t.test('damaged messages are named', async (t) => {
  t.equal(wireFormatProblem(Buffer.alloc(0)), undefined, 'empty message');
  t.equal(wireFormatProblem(Buffer.from([0x0d, 1, 2, 3, 4, 0x09, 1, 2, 3, 4, 5, 6, 7, 8])), undefined, 'fixed32 + fixed64');
  t.match(wireFormatProblem(Buffer.from([0x0a, 0x50, 0x41])), /claims 80 bytes, 1 left/);
  t.match(wireFormatProblem(Buffer.from([0x08])), /truncated varint/);
  t.match(
    wireFormatProblem(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])),
    /truncated varint/,
    'over-long varint',
  );
  t.match(wireFormatProblem(Buffer.from([0x00, 0x01])), /field number 0/);
  t.match(wireFormatProblem(Buffer.from([0x0b])), /wire type 3/);
  t.match(wireFormatProblem(Buffer.from([0x0f, 0, 0, 0, 0])), /wire type 7/);
  t.match(wireFormatProblem(Buffer.from([0x0d, 1, 2])), /truncated fixed32/);
  t.match(wireFormatProblem(Buffer.from([0x09, 1, 2])), /truncated fixed64/);
  t.match(wireFormatProblem(Buffer.from([0x80])), /truncated field key/);
});
