// A message through the real wire: serialized and decoded with the agent's own proto, so a
// test holds exactly what a client (or a handler, for a request) receives.
import type { MessageTypeDefinition } from '@grpc/proto-loader';
import { AGENT_PROTO } from '../../agent/shared/api-doc';
import type { ApiMessageName, Msg, Out } from '../../agent/shared/api-types';
import { loadDefinition } from '../../agent/shared/grpc-load';

export function throughWire<N extends ApiMessageName>(name: N, msg: Msg<N>): Out<N> {
  const def = loadDefinition(AGENT_PROTO)[`kubesweep.v1.${name}`] as unknown as MessageTypeDefinition<Msg<N>, Out<N>>;
  return def.deserialize(def.serialize(msg));
}

/** A progress event as the client receives it (unset fields read as ''/0). */
export const progressEvent = (ev: Msg<'Progress'>): Out<'Progress'> => throughWire('Progress', ev);
