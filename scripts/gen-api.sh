#!/bin/sh
# Generate the API's TypeScript types (agent/shared/api/) from proto/kubesweep/v1/agent.proto.
# The options are those the agent and the client load the proto with (PROTO_LOADER_OPTIONS in
# agent/shared/grpc-load.ts: camelCase, 64-bit integers as strings, enums as names, defaults,
# oneof markers), so the types say exactly what a handler receives and a client decodes.
# test/unit/shared/api-generated.test.ts checks both: the options, and that the committed files
# are what this script generates.
#
#   npm run gen:api            regenerate agent/shared/api/ after editing the proto
#   sh scripts/gen-api.sh DIR  generate into DIR instead
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/agent/shared/api}"
mkdir -p "$out"
# Generated files only (a message removed from the proto must not leave its file behind).
find "$out" -type f -name '*.ts' -exec grep -l '^// Original file: \|^import type \* as grpc' {} + 2>/dev/null | xargs -r rm -f
cd "$root"
exec "$root/node_modules/.bin/proto-loader-gen-types" \
  --longs=String --enums=String --defaults --arrays --objects --oneofs \
  --includeComments --grpcLib=@grpc/grpc-js \
  -I proto -O "$out" kubesweep/v1/agent.proto
