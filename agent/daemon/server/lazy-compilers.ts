// fastify's schema compilers, loaded only when a route with a schema needs one.
//
// Why: given no compilersFactory, fastify requires its default ones (ajv with ajv-formats,
// fast-uri …, and fast-json-stringify: ≈ 100 modules, 0.6 MB of source) when the app is built,
// although none of the agent's GET routes has a schema. An agent holds them for its whole life:
// measured (npm layout, Node 20), the idle RSS of docs/development.md "Idle memory". These
// factories are the same defaults, required on their first call instead.
//
// One difference from fastify's own defaults: fastify treats a factory given here as custom
// (isCustomValidatorCompiler), which only changes how a route's headers schema is handed to the
// compiler (not lowercased first). No route has one; a test checks the defaults still work.
import type { ValidatorFactory } from '@fastify/ajv-compiler';
import type { SerializerFactory } from '@fastify/fast-json-stringify-compiler';

let validatorFactory: ValidatorFactory | undefined;
let serializerFactory: SerializerFactory | undefined;

/** fastify's `schemaController.compilersFactory`: its default compilers, required on first use. */
export const LAZY_COMPILERS: { buildValidator: ValidatorFactory; buildSerializer: SerializerFactory } = Object.freeze({
  buildValidator: ((...args: Parameters<ValidatorFactory>) => {
    validatorFactory ??= (require('@fastify/ajv-compiler') as () => ValidatorFactory)();
    return validatorFactory(...args);
  }) as ValidatorFactory,
  buildSerializer: ((...args: Parameters<SerializerFactory>) => {
    serializerFactory ??= (require('@fastify/fast-json-stringify-compiler') as () => SerializerFactory)();
    return serializerFactory(...args);
  }) as SerializerFactory,
});
