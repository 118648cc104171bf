#!/usr/bin/env bash
# The per-runtime lane (npm run test:runtimes): the tests that matter most where containerd
# versions differ, run once per containerd the testbed can fetch (scripts/testbed/runtimes.ts).
# The whole suite runs on Debian 12's 1.6; this lane adds 1.7 (Debian 13) and 2.1 (Debian
# unstable) by default, or the runtimes in $KUBESWEEP_RUNTIMES ("1.6 1.7 2.1"). Extra arguments
# go to tap (e.g. --reporter=tap). Root, like every containerd test.
#   runtime-learning: an agent given only its node name and CRI socket cleans the dead-shim and
#     the failing-CNI residue (leases, libcni's cache), started while containerd runs, and
#     started after it died with nothing learned (containerd's config file, v2 and v3 forms);
#   rejoin: a reset, then the same pods rejoin on a new subnet (IPAM, links, kubelet mounts);
#     its two other tests (no reset; a reset without the rejoin kinds) show the bug, not the
#     runtime, and are left to the suite.
set -uo pipefail
cd "$(dirname "$0")/.."
runtimes=${KUBESWEEP_RUNTIMES:-1.7 2.1}
files=(test/integration/containerd/runtime-learning.test.ts test/integration/containerd/rejoin.test.ts)

# Fetch first, once: the tests' processes then find every runtime unpacked in .cache/runtimes.
[ -f dist/scripts/testbed/runtimes.js ] || npx tsc -p tsconfig.json || exit 2
# shellcheck disable=SC2086 # one runtime per word
node dist/scripts/testbed/runtimes.js $runtimes || exit 2

rc=0
for rt in $runtimes; do
  echo "# containerd $rt: ${files[*]}"
  KUBESWEEP_TESTBED_RUNTIME=$rt npx tap --invert --grep='^(without the reset|a reset without the new kinds)' "$@" "${files[@]}" || rc=1
done
exit $rc
