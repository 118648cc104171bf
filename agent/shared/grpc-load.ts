import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { EMBEDDED } from './embedded';
import { protoPath } from './paths';

/**
 * proto-loader options, fixed in one place for the CRI client, the agent service and the
 * client: camelCase fields, enums as their names, int64 as decimal strings (CRI timestamps are
 * nanoseconds and do not fit a double), defaults filled in so absent fields read as ''/0/[].
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = Object.freeze({
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
});

const definitions = new Map<string, protoLoader.PackageDefinition>();
const loaded = new Map<string, grpc.GrpcObject>();

/** The parsed proto (message descriptors, serializers), loaded once per process. */
export function loadDefinition(relPath: string): protoLoader.PackageDefinition {
  let def = definitions.get(relPath);
  if (!def) {
    // The single-file build has no proto/ dir: it carries the parsed descriptors instead.
    const json = EMBEDDED?.protos[relPath];
    def = json
      ? protoLoader.fromJSON(json, PROTO_LOADER_OPTIONS)
      : protoLoader.loadSync(protoPath(relPath), { ...PROTO_LOADER_OPTIONS, includeDirs: [protoPath()] });
    definitions.set(relPath, def);
  }
  return def;
}

export function loadProto(relPath: string): grpc.GrpcObject {
  let pkg = loaded.get(relPath);
  if (!pkg) {
    pkg = grpc.loadPackageDefinition(loadDefinition(relPath));
    loaded.set(relPath, pkg);
  }
  return pkg;
}
