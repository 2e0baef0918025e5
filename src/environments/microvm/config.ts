// The microvm section of the experiment config: the qemu section's fields, for QEMU's microvm machine.
import type { z } from 'zod';
import type { Experiment } from '../../config/schema.js';
import { qemuConfig } from '../qemu/config.js';

export const microvmConfig = qemuConfig;

export type MicrovmConfig = z.output<typeof microvmConfig>;
/** This backend's section of an experiment (validated when loaded; defaults where a caller left it out). */
export function microvmSection(e: Experiment): MicrovmConfig {
  return microvmConfig.parse((e as Experiment & { microvm?: unknown }).microvm);
}
