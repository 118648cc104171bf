// Short names for the types generated from proto/kubesweep/v1/agent.proto (agent/shared/api/):
// `Msg<'Listener'>` is what a handler may send, `Out<'Listener'>` what a client (or a handler,
// for its request) receives. Derived from the generated ProtoGrpcType, so no name is copied.
import type { MessageTypeDefinition } from '@grpc/proto-loader';
import type { ProtoGrpcType } from './api/agent';

type V1 = ProtoGrpcType['kubesweep']['v1'];

/** The name of a kubesweep.v1 message (the service itself is not one). */
export type ApiMessageName = Exclude<keyof V1, 'Agent'>;

/** The permissive ("input") form: what serializes. */
export type Msg<N extends ApiMessageName> = V1[N] extends MessageTypeDefinition<infer I, infer _O> ? I : never;

/** The decoded form (defaults filled in, 64-bit integers as decimal strings, oneof markers). */
export type Out<N extends ApiMessageName> = V1[N] extends MessageTypeDefinition<infer _I, infer O> ? O : never;

/** `_name` keys: proto-loader's markers of which proto3 `optional` field is set. */
type Marker<T> = Extract<keyof T, `_${string}`>;
/** Fields declared `optional` in the proto (they have a marker). */
type OptionalField<T> = { [K in keyof T]: `_${K & string}` extends keyof T ? K : never }[keyof T];
type PlainField<T> = Exclude<keyof T, Marker<T> | OptionalField<T>>;

/**
 * A message with every field spelled out: plain fields must have a value, `optional` fields
 * must be named (their value may be undefined = unset). A converter returning Complete<Msg<…>>
 * fails to compile when the proto gains a field it does not fill. (Mapped over key unions, not
 * `keyof T`, so the generated `?` modifiers are not carried over.)
 */
export type Complete<T> = { [K in PlainField<T>]: Exclude<T[K], undefined> } & { [K in OptionalField<T>]: T[K] | undefined };
