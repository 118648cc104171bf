// Original file: proto/kubesweep/v1/agent.proto


export interface InfoRequest {
}

export interface InfoRequest__Output {
}
