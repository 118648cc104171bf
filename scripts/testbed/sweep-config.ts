// The cleanup engine's configuration for a testbed: the testbed's pins (pins.ts, the same ones an
// agent gets as flags from agent-args.ts), with manifests and state dirs under its scratch dir
// (made here). The engine's tests and the reset benchmark share it.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { defaultSweepConfig } from '../../agent/daemon/engine-config';
import type { SweepConfig } from '../../agent/daemon/sweep';
import { testbedPins } from './pins';
import type { Testbed } from './testbed';

export function testbedSweepConfig(tb: Testbed, overrides: Partial<SweepConfig> & { nodeName: string }): SweepConfig {
  const manifestsDir = overrides.manifestsDir ?? path.join(tb.scratch, 'manifests');
  mkdirSync(manifestsDir, { recursive: true });
  return defaultSweepConfig({
    ...testbedPins(tb, { manifestsDir, stateDir: path.join(tb.scratch, 'state') }),
    containerdAddress: tb.socket,
    ...overrides,
  });
}
