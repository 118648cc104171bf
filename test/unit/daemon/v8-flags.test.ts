// The daemon's runtime V8 flags really keep V8 from optimizing: a function V8 is told to optimize
// on its next call is optimized before the flags and not after (natives syntax, this process).
import { setFlagsFromString } from 'node:v8';
import t from 'tap';
import { applyAgentRuntimeV8Flags } from '../../../agent/daemon/v8-flags';

setFlagsFromString('--allow-natives-syntax');
// Parsed after the flag is set: natives syntax is allowed in them (V8's own test idiom; the
// only way to ask V8 whether a function is optimized).
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- natives syntax needs code parsed after the flag
const status = new Function('f', 'return %GetOptimizationStatus(f)') as (f: unknown) => number;
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- as above
const optimizeNow = new Function('f', '%PrepareFunctionForOptimization(f); f(1); f(2); %OptimizeFunctionOnNextCall(f); f(3);') as (
  f: unknown,
) => void;
const TURBOFANNED = 1 << 4; // V8's OptimizationStatus::kTurboFanned

t.test('after applyAgentRuntimeV8Flags() V8 no longer optimizes', (t) => {
  const before = (x: number) => x * 2;
  optimizeNow(before);
  t.ok(status(before) & TURBOFANNED, `optimized before the flags (status ${status(before).toString(2)})`);
  applyAgentRuntimeV8Flags();
  const after = (x: number) => x * 3;
  optimizeNow(after);
  t.notOk(status(after) & TURBOFANNED, `not optimized after them (status ${status(after).toString(2)})`);
  t.end();
});
