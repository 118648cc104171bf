import t from 'tap';
import { wireFormatProblem } from '../../../../agent/daemon/server/wire';
import { agentServiceDefinition } from '../../../../agent/daemon/server/grpc-server';

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
  let truncatedCaught = 0;
  for (let n = 1; n < good.length; n++) if (wireFormatProblem(good.subarray(0, n))) truncatedCaught++;
  t.ok(
    truncatedCaught > 0,
    `${truncatedCaught} of ${good.length - 1} truncations detected (cuts at field boundaries are valid shorter messages)`,
  );
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
