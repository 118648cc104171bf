// Original file: proto/kubesweep/v1/agent.proto


export interface InspectRequest {
}

export interface InspectRequest__Output {
}
