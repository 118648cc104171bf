import t from 'tap';
import { wireFormatProblem } from '../../../../agent/daemon/server/wire';
import { agentServiceDefinition } from '../../../../agent/daemon/server/grpc-server';

/** Offsets where a top-level field ends (the test's own walk of the wire format). */
function fieldBoundaries(buf: Buffer): Set<number> {
  const out = new Set<number>();
  let i = 0;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = buf[i++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  while (i < buf.length) {
    const wireType = varint() & 7;
    if (wireType === 0) varint();
    else if (wireType === 2) i += varint();
    else if (wireType === 1 || wireType === 5) i += wireType === 1 ? 8 : 4;
    else throw new Error(`wire type ${wireType} not expected in this message`);
    out.add(i);
  }
  return out;
}

t.test('well-formed messages pass, damaged ones are named', async (t) => {
  const def = agentServiceDefinition();
  const good = def.Reset.requestSerialize({
    confirmNode: 'node-1',
    dryRun: true,
    scope: ['static'],
    graceSeconds: 5,
    expectFreePorts: [6443, 10250],
  });
  t.equal(wireFormatProblem(good), undefined);
  t.equal(wireFormatProblem(Buffer.alloc(0)), undefined, 'empty message');
  t.equal(wireFormatProblem(Buffer.from([0x0d, 1, 2, 3, 4, 0x09, 1, 2, 3, 4, 5, 6, 7, 8])), undefined, 'fixed32 + fixed64');
  // Every cut inside a field is detected; a cut at a field boundary is a valid shorter message.
  const boundaries = fieldBoundaries(good);
  t.ok(boundaries.size >= 5, `the message has fields to cut between (${[...boundaries].join(', ')})`);
  const wrong: string[] = [];
  for (let n = 1; n < good.length; n++) {
    const problem = wireFormatProblem(good.subarray(0, n));
    if (boundaries.has(n) ? problem !== undefined : problem === undefined) wrong.push(`cut at ${n}: ${problem ?? 'not detected'}`);
  }
  t.same(wrong, [], `each of the ${good.length - 1} cuts judged right`);
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
