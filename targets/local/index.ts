/** The local target's public surface (the CLI wires `--target local` to these). */
export { bake, HygieneError, type BakeInput, type BakeResult } from './bake.ts';
export { ensureBase, baseKey, DEFAULT_BASE, type BaseSpec, type BaseImage } from './base.ts';
export { launch, type LaunchInput } from './launch.ts';
export { destroy, TeardownError, type DestroyOptions } from './destroy.ts';
export { janitor, type JanitorOptions, type JanitorReport } from './janitor.ts';
export { promote, promoted, readRegistry, NotPromotableError, type Promotion, type PromoteInput, type Registry } from './registry.ts';
export { findImage, listImages, type ImageManifest } from './image.ts';
export { limitsFor, memoryStats, setCpuQuota, type BoxLimits, type MemoryStats } from './cgroup.ts';
export { missingFor, preflight, PreflightError } from './preflight.ts';
export { BoxNotReadyError } from './ready.ts';
export type { BoxHostDescription, BootTimings } from './instance.ts';
