// The JSON document of a message (shared/api-doc.ts), rule by rule; the same from the message a
// handler builds, from the decoded one, and from the descriptors the single executable embeds.
import * as protoLoader from '@grpc/proto-loader';
import t from 'tap';
import { apiDocument } from '../../../agent/shared/api-doc';
import { PROTO_LOADER_OPTIONS } from '../../../agent/shared/grpc-load';
import { embeddedData } from '../../../scripts/build/bundle';
import { throughWire } from '../../helpers/wire';

t.test('rules: 64-bit integers as numbers, optional fields absent when unset, markers dropped, zeros filled', async (t) => {
  const sent = { inode: 4026532999, host: false, memberPid: 0 };
  const got = throughWire('NetnsRef', sent);
  t.same(got, { inode: '4026532999', host: false, memberPid: 0, _memberPid: 'memberPid' }, 'as decoded: uint64 a string, a oneof marker');
  t.same(
    apiDocument('NetnsRef', got),
    { inode: 4026532999, host: false, memberPid: 0 },
    'document: a number, no marker, a set optional zero kept',
  );
  t.same(apiDocument('NetnsRef', sent), apiDocument('NetnsRef', got), 'the sent form renders the same');
  t.same(apiDocument('NetnsRef', {}), { inode: 0, host: false }, 'plain fields get their zero, optional ones stay absent');
  t.same(
    apiDocument('PortOwner', { pid: 1, command: 'x', residue: false, pod: null }),
    { pid: 1, command: 'x', residue: false },
    'an unset message is absent',
  );
  t.same(
    apiDocument('Residue', { kind: 'port', target: '1', why: 'w' }),
    { kind: 'port', target: '1', why: 'w', listeners: [] },
    'lists are always present',
  );
  t.same(
    apiDocument('ListPortsResponse', { listeners: [], extra: 'not in the proto' }),
    { listeners: [], malformedLines: 0, netnsScanned: [], generatedAt: '' },
    "only the proto's fields",
  );
});

t.test('documented conversions: an empty scope is "all", plan details are JSON texts', async (t) => {
  const plan = throughWire('Plan', {
    scope: [],
    steps: [
      {
        name: 'remove-pods',
        actions: [
          {
            step: 'remove-pods',
            action: 'remove-sandbox',
            target: 's',
            detail: { pod: '"kube-system/x"', hostNetwork: 'true', n: '2', raw: 'not json' },
          },
          { step: 'remove-pods', action: 'x', target: 't' },
        ],
      },
    ],
  });
  const doc = apiDocument('Plan', plan) as { scope: unknown; steps: { actions: { detail?: unknown }[] }[] };
  t.equal(doc.scope, 'all');
  t.same(doc.steps[0].actions[0].detail, { pod: 'kube-system/x', hostNetwork: true, n: 2, raw: 'not json' });
  t.notOk('detail' in doc.steps[0].actions[1], 'an empty detail is absent');
  t.same((apiDocument('Plan', { scope: ['static'] }) as { scope: unknown }).scope, ['static']);
});

t.test('the descriptors the single executable embeds render the same documents', async (t) => {
  const json = embeddedData().protos['kubesweep/v1/agent.proto'];
  const embedded = protoLoader.fromJSON(json, PROTO_LOADER_OPTIONS);
  const fromDisk = protoLoader.loadSync('kubesweep/v1/agent.proto', {
    ...PROTO_LOADER_OPTIONS,
    includeDirs: [`${__dirname}/../../../proto`],
  });
  for (const name of ['NetnsRef', 'PortOwner', 'PlannedAction', 'ResetReport', 'InspectResponse']) {
    const a = (embedded[`kubesweep.v1.${name}`] as { type: unknown }).type;
    const b = (fromDisk[`kubesweep.v1.${name}`] as { type: unknown }).type;
    t.same(a, b, `${name}: same descriptor (fields, optional markers, map entries)`);
  }
});
