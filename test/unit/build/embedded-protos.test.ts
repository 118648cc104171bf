// The single-file build carries the protos as JSON descriptors (scripts/build/bundle.ts): what
// the agent, its client and the CRI client get from them must be what loadSync() gives from
// the .proto files — every service, method path, stream flag and message field.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import t from 'tap';
import { PROTO_LOADER_OPTIONS } from '../../../agent/shared/grpc-load';
import { packageRoot } from '../../../agent/shared/paths';
import { embeddedData, inlineHealthProto, OUR_PROTOS } from '../../../scripts/build/bundle';

type Def = protoLoader.PackageDefinition;

/** A comparable digest: methods with path/stream flags, messages with their fields. */
function shape(def: Def): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, obj] of Object.entries(def)) {
    if ('format' in obj) {
      const type = (obj as protoLoader.MessageTypeDefinition<object, object>).type as {
        field?: { name: string; number: number; type: string; label: string }[];
        value?: { name: string; number: number }[];
      };
      out[name] = {
        fields: type.field?.map((f) => [f.name, f.number, f.type, f.label]),
        values: type.value?.map((v) => [v.name, v.number]),
      };
    } else {
      out[name] = Object.fromEntries(
        Object.entries(obj).map(([m, d]) => [m, [d.path, d.requestStream, d.responseStream, d.requestType.type, d.responseType.type]]),
      );
    }
  }
  return out;
}

t.test('our protos: the embedded descriptors define exactly what the .proto files do', async (t) => {
  const root = packageRoot();
  const data = embeddedData(root);
  t.equal(data.version, JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version, 'version from package.json');
  for (const p of OUR_PROTOS) {
    const fromDisk = protoLoader.loadSync(path.join(root, 'proto', p), {
      ...PROTO_LOADER_OPTIONS,
      includeDirs: [path.join(root, 'proto')],
    });
    const fromJson = protoLoader.fromJSON(data.protos[p], PROTO_LOADER_OPTIONS);
    t.ok(Object.keys(fromDisk).length > 3, `${p} defines things`);
    t.same(shape(fromJson), shape(fromDisk), p);
  }
  t.same(Object.keys(data.protos).sort(), [...OUR_PROTOS].sort(), 'every proto our code loads is embedded');
});

t.test("grpc-health-check's health.proto is inlined with the options it passes", async (t) => {
  const file = require.resolve('grpc-health-check/build/src/health.js');
  const src = readFileSync(file, 'utf8');
  const patched = inlineHealthProto(src, file);
  t.notMatch(patched, /loadSync\('health\/v1\/health\.proto'/, 'no file is read at run time');
  t.match(patched, /fromJSON\)\(\{/);
  // Run the patched module from a directory with no proto/ next to it: it must still define the service.
  const mod = { exports: {} as { service?: Record<string, { path: string }> } };
  const req = (id: string): unknown => require(id);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- runs the patched module text as Node would, without a file
  new Function('exports', 'require', 'module', '__filename', '__dirname', patched)(
    mod.exports,
    req,
    mod,
    '/nonexistent/health.js',
    '/nonexistent',
  );
  t.equal(mod.exports.service?.Check?.path, '/grpc.health.v1.Health/Check');
  t.equal(mod.exports.service?.Watch?.path, '/grpc.health.v1.Health/Watch');
  t.throws(
    () => inlineHealthProto('module.exports = 1', file),
    /grpc-health-check changed/,
    'a changed grpc-health-check fails the build, not the agent at run time',
  );
});
