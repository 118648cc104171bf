// Original file: proto/kubesweep/v1/agent.proto

import type { Residue as _kubesweep_v1_Residue, Residue__Output as _kubesweep_v1_Residue__Output } from '../../kubesweep/v1/Residue';

export interface Verification {
  /**
   * "clean" or "residue".
   */
  'verdict'?: (string);
  'residue'?: (_kubesweep_v1_Residue)[];
  'checkedPorts'?: (number)[];
}

export interface Verification__Output {
  /**
   * "clean" or "residue".
   */
  'verdict': (string);
  'residue': (_kubesweep_v1_Residue__Output)[];
  'checkedPorts': (number)[];
}
