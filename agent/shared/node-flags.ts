// The V8 flags kubesweep runs under, in one place. The unit's ExecStart, the single file's
// built-in execArgv, the daemon's shebang, the tests, the soak and the benchmarks all take them
// from here (test/unit/shared/node-flags.test.ts checks the unit, the shebang and the SEA build).
//
// --max-semi-space-size: V8 sizes the young generation from the machine's memory, not from the
// program: on a 24 GiB node Node 20 lets it grow to 32 MiB and Node 24 to 128 MiB. For an agent
// that idles between resets, that is resident memory it never gives back: a soak of 12 resets
// (Node 20) showed the new space growing 0 → 4 → 8 → 16 MiB, which was all of its RSS growth,
// and the abuse test's burst took Node 24's agent to 263 MiB (over maxMemoryMiB, so it then
// refused reads). 2 MiB semi-spaces cost the port report of 2,000 listeners + 10,000 sockets
// nothing measurable (95–106 ms warm, noise-level) and keep the young generation under 6 MiB.
export const YOUNG_GENERATION_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=2']);

// Measured and not kept (npm layout, Node 20, 3 starts each, idle / after 20 probes + 20 reads,
// MiB; docs/development.md "Idle memory"): --single-threaded-gc saved 1.5 MiB idle but cost the
// start 60–160 ms more CPU (620–670 → 730–830 ms to ready, same session) and moves all GC work
// onto the thread that runs resets; MALLOC_ARENA_MAX=1/2, MALLOC_TRIM_THRESHOLD_=128k,
// UV_THREADPOOL_SIZE=2, --v8-pool-size=1: within ±0.3 MiB; --jitless instead of --lite-mode:
// 2 MiB worse.

/**
 * What the npm layout's unit and the daemon's shebang (the kubesweep-agent link) run node with. --lite-mode (V8 without its optimizing compiler)
 * saves ≈ 8 MiB more; the agent waits on I/O, not on JS (measurements in the unit file).
 */
export const AGENT_NODE_FLAGS: readonly string[] = Object.freeze(['--lite-mode', ...YOUNG_GENERATION_FLAGS]);

/**
 * Set by the daemon itself when it starts (v8.setFlagsFromString), for the single file: V8 keeps
 * it from the optimizing compilers (what --lite-mode does for the npm layout) while the code
 * cache, consumed before, stays accepted. Without it, the compilers' code and zones made the
 * single file's agent grow by ≈ 11 MiB over 20 reads. No-ops under --lite-mode.
 */
export const AGENT_RUNTIME_V8_FLAGS: readonly string[] = Object.freeze(['--no-opt', '--no-maglev', '--no-sparkplug']);

/**
 * Built into the single file (SEA execArgv; it is both the agent and the client). Not
 * --lite-mode: V8 rejects the code cache made for the file under it, and the start doubles.
 */
export const SEA_EXEC_ARGV: readonly string[] = YOUNG_GENERATION_FLAGS;
