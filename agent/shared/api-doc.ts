// The one JSON form of a kubesweep.v1 message, "the document": what HTTP /ports and /ports/check
// answer, and what `kubesweep --json` prints for the message it received. Both sides render
// through this function, walking the proto's own descriptors, so they cannot show different
// fields. The rules, in full:
//   - only the proto's fields, camelCase; proto-loader's oneof markers (`_name`) are dropped;
//   - 64-bit integers (inodes, byte counts) as JSON numbers: every such value the agent sends
//     is far below 2^53;
//   - `optional` fields and message fields absent when unset; other fields always present
//     (proto3 cannot tell an unset list or number from an empty or zero one);
//   - two documented conversions: Plan.scope [] is "all", and PlannedAction.detail values are
//     JSON texts on the wire (decoded here; an empty detail is absent).
import type * as protoLoader from '@grpc/proto-loader';
import type { ApiMessageName } from './api-types';
import { loadDefinition } from './grpc-load';

export const AGENT_PROTO = 'kubesweep/v1/agent.proto';
const PACKAGE = 'kubesweep.v1';

export type ApiDocument = { [field: string]: unknown };

interface FieldDescriptor {
  name: string;
  type: string;
  typeName: string;
  label: string;
}

interface MessageDescriptor {
  name: string;
  field: FieldDescriptor[];
  nestedType: MessageDescriptor[];
  oneofDecl: { name: string }[];
  options?: { mapEntry?: boolean } | null;
}

const LONG_TYPES = new Set(['TYPE_INT64', 'TYPE_UINT64', 'TYPE_SINT64', 'TYPE_FIXED64', 'TYPE_SFIXED64']);

/** Field-level conversions, keyed `Message.field`: the only places the document is not the message. */
const CONVERSIONS: Record<string, (value: unknown) => unknown> = {
  'Plan.scope': (v) => (Array.isArray(v) && v.length > 0 ? v : 'all'),
  'PlannedAction.detail': (v) => {
    const entries = Object.entries((v ?? {}) as Record<string, string>);
    if (entries.length === 0) return undefined;
    return Object.fromEntries(entries.map(([k, text]) => [k, parseJsonText(text)]));
  },
};

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function descriptorOf(name: ApiMessageName): MessageDescriptor {
  const def = loadDefinition(AGENT_PROTO)[`${PACKAGE}.${name}`] as protoLoader.MessageTypeDefinition<object, object> | undefined;
  if (!def) throw new Error(`internal: ${PACKAGE}.${name} is not a message of ${AGENT_PROTO}`);
  return def.type as unknown as MessageDescriptor;
}

/** A field's message type: a nested one (map entries) or another message of the package. */
function fieldMessage(owner: MessageDescriptor, f: FieldDescriptor): { desc: MessageDescriptor; name: string } {
  const local = f.typeName.replace(/^\./, '').replace(`${PACKAGE}.`, '');
  const nested = owner.nestedType.find((n) => n.name === local);
  if (nested) return { desc: nested, name: `${owner.name}.${local}` };
  return { desc: descriptorOf(local as ApiMessageName), name: local };
}

/** proto3's zero value of a scalar field: what a decoder reads when the field was not sent. */
function zero(f: FieldDescriptor): unknown {
  if (f.type === 'TYPE_STRING') return '';
  if (f.type === 'TYPE_BOOL') return false;
  if (f.type === 'TYPE_BYTES' || f.type === 'TYPE_ENUM') throw new Error(`internal: ${f.name}: ${f.type} fields are not rendered`);
  return 0;
}

/** int64 fields arrive as decimal strings, bigints or Long objects (whose toString is the decimal value). */
const toNumber = (v: unknown): unknown =>
  typeof v === 'string' || typeof v === 'bigint'
    ? Number(v)
    : typeof v === 'object' && v !== null
      ? Number((v as { toString(): string }).toString())
      : v;
const same = (v: unknown): unknown => v;

type Render = (msg: Record<string, unknown>) => ApiDocument;
type FieldRender = { name: string; value: (v: unknown) => unknown };

/** One renderer per message type, built from its descriptor on first use (reports have thousands of owners). */
const renderers = new Map<string, Render>();

function rendererOf(desc: MessageDescriptor, msgName: string): Render {
  const cached = renderers.get(msgName);
  if (cached) return cached;
  const fields: FieldRender[] = [];
  const render: Render = (msg) => {
    const out: ApiDocument = {};
    for (const f of fields) {
      const v = f.value(msg[f.name]);
      if (v !== undefined && v !== null) out[f.name] = v;
    }
    return out;
  };
  // Registered before the fields are planned, so a message type that contains itself terminates.
  renderers.set(msgName, render);
  // proto3 `optional` fields sit in a synthetic oneof named after them.
  const optional = new Set(desc.oneofDecl.map((o) => o.name));
  for (const f of desc.field) {
    let value: (v: unknown) => unknown;
    if (f.type === 'TYPE_MESSAGE') {
      const sub = fieldMessage(desc, f);
      if (sub.desc.options?.mapEntry) {
        // proto-loader gives maps as plain objects; keys and values here are strings.
        value = (v) => v ?? {};
      } else {
        const inner = rendererOf(sub.desc, sub.name);
        value =
          f.label === 'LABEL_REPEATED'
            ? (v) => ((v as Record<string, unknown>[] | undefined) ?? []).map(inner)
            : (v) => (v === null || v === undefined ? undefined : inner(v as Record<string, unknown>));
      }
    } else {
      const scalar = LONG_TYPES.has(f.type) ? toNumber : same;
      const unset = optional.has(`_${f.name}`) ? undefined : zero(f);
      value =
        f.label === 'LABEL_REPEATED'
          ? (v) => ((v as unknown[] | undefined) ?? []).map(scalar)
          : (v) => (v === undefined || v === null ? unset : scalar(v));
    }
    const convert = CONVERSIONS[`${msgName}.${f.name}`];
    fields.push({ name: f.name, value: convert ? (v) => convert(value(v)) : value });
  }
  return render;
}

/**
 * The document of a message, given as proto-loader decodes it (`__Output`) or as a handler
 * builds it (the generated input type): the same message gives the same document either way.
 */
export function apiDocument(name: ApiMessageName, msg: object): ApiDocument {
  return rendererOf(descriptorOf(name), name)(msg as Record<string, unknown>);
}
