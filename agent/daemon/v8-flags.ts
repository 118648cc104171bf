// The V8 flags the daemon sets on itself when it starts (AGENT_RUNTIME_V8_FLAGS): they keep V8
// from its optimizing compilers in the single file, whose execArgv cannot carry --lite-mode
// without losing its code cache (node-flags.ts has why and what it bought).
import { setFlagsFromString } from 'node:v8';
import { AGENT_RUNTIME_V8_FLAGS } from '../shared/node-flags';

export function applyAgentRuntimeV8Flags(): void {
  for (const f of AGENT_RUNTIME_V8_FLAGS) setFlagsFromString(f);
}
