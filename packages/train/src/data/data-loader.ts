import { ArgumentError, ConfigError, FileFormatError } from '@peft/core';
import { validateShape } from '@peft/core/plugin';
import { DATA_LOADER_STATE_SCHEMA } from './data-loader-state-schema.js';
import { checkSeed, seededPermutation } from './seeded-permutation.js';

/**
 * Options of {@link DataLoader}.
 *
 * @example
 * ```ts
 * const opts: DataLoaderOptions = { batchSize: 8, shuffle: true, seed: 42, dropLast: false };
 * ```
 */
export interface DataLoaderOptions {
  batchSize: number;
  /** Reshuffle every epoch (default true); otherwise the items come in order. */
  shuffle?: boolean;
  /** Seed of the shuffles (default 0). */
  seed?: number;
  /** Leave out the last, smaller batch of an epoch (default false). */
  dropLast?: boolean;
}

/**
 * A {@link DataLoader}'s position as plain JSON: the epoch, the batches already taken in it, and the
 * settings that decide which batches come (checked on restore).
 *
 * @example
 * ```ts
 * const s: DataLoaderState = { epoch: 1, index: 3, seed: 42, size: 100, batchSize: 8, shuffle: true, dropLast: false };
 * ```
 */
export interface DataLoaderState {
  epoch: number;
  index: number;
  seed: number;
  size: number;
  batchSize: number;
  shuffle: boolean;
  dropLast: boolean;
}

/**
 * One batch from a {@link DataLoader}: the items, the epoch they belong to and the batch's index in it.
 *
 * @example
 * ```ts
 * const { batch, epoch, index } = loader.next();
 * ```
 */
export interface LoadedBatch<T> {
  readonly batch: T[];
  readonly epoch: number;
  readonly index: number;
}

/**
 * Batches of items through endless epochs, reshuffled each epoch with a seeded permutation (epoch
 * `e` uses `seededPermutation(size, seed, e)`, so the order depends only on the seed, the epoch and
 * the number of items: the same on every run and machine). Its position is saved with `state()` and
 * restored with `restore()`, so a resumed training sees exactly the batches an uninterrupted one would.
 *
 * @example
 * ```ts
 * const loader = new DataLoader(examples, { batchSize: 4, seed: 42 });
 * const first = loader.next().batch;
 * const saved = loader.state();           // store in a checkpoint
 * const again = new DataLoader(examples, { batchSize: 4, seed: 42 });
 * again.restore(saved);                   // continues where `loader` is now
 * ```
 */
export class DataLoader<T> {
  /** Items per batch. */
  readonly batchSize: number;
  /** Whether every epoch is reshuffled. */
  readonly shuffle: boolean;
  /** Whether the last, smaller batch of an epoch is left out. */
  readonly dropLast: boolean;
  /** Batches in one epoch. */
  readonly batchesPerEpoch: number;
  private readonly items: readonly T[];
  private seedValue: number;
  private epochValue = 0;
  private indexValue = 0;
  private order: number[] | undefined;

  /**
   * Starts at epoch 0, batch 0. An empty dataset, a batch size that is not a positive integer, or
   * `dropLast` with fewer items than one batch is an `ArgumentError`.
   *
   * @example
   * ```ts
   * const loader = new DataLoader(examples, { batchSize: 8, seed: 42, dropLast: true });
   * ```
   */
  constructor(items: readonly T[], opts: DataLoaderOptions) {
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new ArgumentError(`DataLoader: batchSize must be a positive integer, got ${opts.batchSize}`);
    if (items.length === 0) throw new ArgumentError('DataLoader: expected at least one item, got an empty dataset');
    this.items = items;
    this.batchSize = opts.batchSize;
    this.shuffle = opts.shuffle ?? true;
    this.dropLast = opts.dropLast ?? false;
    this.seedValue = checkSeed(opts.seed ?? 0, 'DataLoader');
    this.batchesPerEpoch = this.dropLast ? Math.floor(items.length / this.batchSize) : Math.ceil(items.length / this.batchSize);
    if (this.batchesPerEpoch === 0) {
      throw new ArgumentError(`DataLoader: with dropLast, ${items.length} items make no full batch of ${this.batchSize}`);
    }
  }

  /** The epoch of the next batch (from 0). @example `loader.epoch // 0` */
  get epoch(): number {
    return this.epochValue;
  }

  /** Batches already taken in the current epoch. @example `loader.index // 3` */
  get index(): number {
    return this.indexValue;
  }

  /** The shuffle seed. @example `loader.seed // 42` */
  get seed(): number {
    return this.seedValue;
  }

  /** Number of items. @example `loader.size // 100` */
  get size(): number {
    return this.items.length;
  }

  private epochOrder(): number[] {
    this.order ??= this.shuffle ? seededPermutation(this.items.length, this.seedValue, this.epochValue) : Array.from({ length: this.items.length }, (_, i) => i);
    return this.order;
  }

  /**
   * The next batch; after the last batch of an epoch the next epoch starts, in a new order.
   *
   * @example
   * ```ts
   * const { batch, epoch } = loader.next();
   * ```
   */
  next(): LoadedBatch<T> {
    const order = this.epochOrder();
    const start = this.indexValue * this.batchSize;
    const batch = order.slice(start, start + this.batchSize).map((i) => this.items[i]);
    const out = { batch, epoch: this.epochValue, index: this.indexValue };
    this.indexValue++;
    if (this.indexValue === this.batchesPerEpoch) {
      this.epochValue++;
      this.indexValue = 0;
      this.order = undefined;
    }
    return out;
  }

  /**
   * Batches until `epochs` more epochs are complete (counting from the current position, so a
   * restored loader finishes its epoch first).
   *
   * @example
   * ```ts
   * for (const { batch } of loader.batches(3)) train(batch);
   * ```
   */
  *batches(epochs = 1): Generator<LoadedBatch<T>> {
    if (!Number.isInteger(epochs) || epochs < 0) throw new ArgumentError(`DataLoader.batches: epochs must be a non-negative integer, got ${epochs}`);
    const end = this.epochValue + epochs;
    while (this.epochValue < end) yield this.next();
  }

  /** The position as plain JSON, for checkpoints. @example `JSON.stringify(loader.state())` */
  state(): DataLoaderState {
    return { epoch: this.epochValue, index: this.indexValue, seed: this.seedValue, size: this.items.length, batchSize: this.batchSize, shuffle: this.shuffle, dropLast: this.dropLast };
  }

  /**
   * Goes to a position saved by {@link DataLoader.state}, taking its seed. A malformed state is a
   * `FileFormatError` naming the field; one saved with another dataset size, batch size, shuffle or
   * drop-last setting (whose batches would differ) is a `ConfigError` naming what differs.
   *
   * @example
   * ```ts
   * loader.restore(JSON.parse(await readFile('checkpoint-100/data_state.json', 'utf8')));
   * ```
   */
  restore(state: unknown): void {
    const where = 'DataLoader.restore';
    const { epoch, index, seed, ...saved } = validateShape(DATA_LOADER_STATE_SCHEMA, state, { file: where });
    const mine = { size: this.items.length, batchSize: this.batchSize, shuffle: this.shuffle, dropLast: this.dropLast };
    for (const key of ['size', 'batchSize', 'shuffle', 'dropLast'] as const) {
      if (saved[key] !== mine[key]) {
        throw new ConfigError(`${where}: the state was saved with ${key} ${saved[key]}, this loader has ${key} ${mine[key]}; resuming would give different batches`);
      }
    }
    if (index >= this.batchesPerEpoch) throw new FileFormatError(`${where}: "index" must be below the ${this.batchesPerEpoch} batches of an epoch, got ${index}`);
    this.seedValue = seed;
    this.epochValue = epoch;
    this.indexValue = index;
    this.order = undefined;
  }
}
