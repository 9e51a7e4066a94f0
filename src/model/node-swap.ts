/**
 * A node's swap as the user declares it (`nodes[].swap`) and as the model uses it: zram (a compressed
 * swap device in RAM), a swap file on one of the board's storage options, and the kubelet's
 * `memorySwap.swapBehavior`. Seed 000's "Edge-Pulse" runs both devices below Kubernetes.
 * Pure module: no I/O, usable from the simulation core.
 */
import type { InputProblem } from '../errors.js';
import type { ZramAlgorithm } from './cluster-schema.js';
import type { HardwareProfile, StorageOption } from './hardware-profile.js';

/** `nodes[].swap` as the user writes it in TypeScript (sizes as `512Mi` or bytes). */
export interface NodeSwapInput {
  readonly zram?: { readonly size: string | number; readonly compressionRatio?: number; readonly algorithm?: ZramAlgorithm };
  readonly file?: { readonly size: string | number; readonly storage?: string };
  readonly swapBehavior?: 'NoSwap' | 'LimitedSwap';
}

/** The parsed form of {@link NodeSwapInput} (sizes in bytes). */
export interface NodeSwapParsed {
  readonly zram?: { readonly size: number; readonly compressionRatio?: number; readonly algorithm?: ZramAlgorithm };
  readonly file?: { readonly size: number; readonly storage?: string };
  readonly swapBehavior?: 'NoSwap' | 'LimitedSwap';
}

/** A node's swap with every default filled in. */
export interface NodeSwap {
  readonly zram: {
    /** Disksize: bytes of pages the device holds before compression. */
    readonly size: number;
    /** Bytes of pages per byte of RAM they take once compressed. */
    readonly compressionRatio: number;
    readonly algorithm: ZramAlgorithm;
    /** Where the ratio comes from: the user, or the measured figure for the algorithm. */
    readonly ratioSource: string;
  } | null;
  readonly file: { readonly size: number; readonly storage: StorageOption } | null;
  readonly swapBehavior: 'NoSwap' | 'LimitedSwap';
}

/** The kernel's default zram compressor since Linux 5.1 (drivers/block/zram/zram_drv.c, CONFIG_ZRAM_DEF_COMP). */
export const defaultZramAlgorithm: ZramAlgorithm = 'lzo-rle';

const zramMeasurements =
  'notes.xeome.dev/notes/Zram "Zram Performance Analysis": LinuxReviews (1.1 GB of memory pages), ' +
  'a Reddit user (fio), and a Raspberry Pi 4 2 GB';

/**
 * Compression ratio of swapped pages by algorithm: the x86 measurements as the value, the Pi 4's as
 * the low end (its pages compressed worse: 1.62 for lzo/lzo-rle, 1.59 for lz4). Real ratios depend on
 * the data; an estimate, so every figure carries its range.
 */
export const zramCompressionRatios: Readonly<Record<ZramAlgorithm, { value: number; range: readonly [number, number]; source: string }>> =
  Object.freeze({
    'lzo-rle': { value: 2.7, range: [1.62, 2.74], source: `${zramMeasurements}: lzo-rle 2.68 / 2.74 (x86), 1.62 (Pi 4)` },
    lz4: { value: 2.6, range: [1.59, 2.63], source: `${zramMeasurements}: lz4 2.58 / 2.63 (x86), 1.59 (Pi 4)` },
    // No Pi 4 figure for zstd in the same source; its low end is the Pi 4's lzo figure, since zstd
    // compressed better than lzo in both x86 data sets.
    zstd: { value: 3.4, range: [1.62, 3.96], source: `${zramMeasurements}: zstd 3.96 / 3.37 (x86); low end = Pi 4 lzo 1.62` },
  });

/** Checks and fills one node's swap; problems name the field. */
export function resolveNodeSwap(
  swap: NodeSwapParsed | undefined,
  profile: HardwareProfile,
  nodeStorage: StorageOption,
  field: (f: string) => string,
  problems: InputProblem[],
): NodeSwap | undefined {
  if (!swap) return undefined;
  if (!swap.zram && !swap.file) {
    problems.push({
      field: field('swap'),
      message: 'swap declares neither zram nor a swap file',
      hint: "add zram: { size: '512Mi' } and/or file: { size: '1Gi' }, or remove swap",
    });
    return undefined;
  }
  for (const device of ['zram', 'file'] as const) {
    const size = swap[device]?.size;
    if (size !== undefined && size <= 0) {
      problems.push({ field: field(`swap.${device}.size`), message: `${device} size must be more than 0`, hint: "write e.g. '512Mi'" });
    }
  }
  let fileStorage = nodeStorage;
  if (swap.file?.storage !== undefined) {
    const found = profile.spec.storage.find((s) => s.name === swap.file?.storage);
    if (!found) {
      problems.push({
        field: field('swap.file.storage'),
        message: `profile "${profile.metadata.name}" has no storage option "${swap.file.storage}"`,
        hint: `use one of: ${profile.spec.storage.map((s) => s.name).join(', ')}`,
      });
    } else fileStorage = found;
  }
  const algorithm = swap.zram?.algorithm ?? defaultZramAlgorithm;
  const measured = zramCompressionRatios[algorithm];
  return {
    zram: swap.zram
      ? {
          size: swap.zram.size,
          algorithm,
          compressionRatio: swap.zram.compressionRatio ?? measured.value,
          ratioSource: swap.zram.compressionRatio !== undefined ? 'the cluster file' : measured.source,
        }
      : null,
    file: swap.file ? { size: swap.file.size, storage: fileStorage } : null,
    swapBehavior: swap.swapBehavior ?? 'NoSwap',
  };
}
