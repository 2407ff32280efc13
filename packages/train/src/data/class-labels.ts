import { ArgumentError, ConfigError, FileFormatError } from '@peft/core';
import type { FormattedDataset } from './format-records.js';

/**
 * The classes of a classification dataset: names in id order (when labels are names) and the count.
 *
 * @example
 * ```ts
 * const c: ClassLabels = { names: ['negative', 'positive'], numLabels: 2 };
 * ```
 */
export interface ClassLabels {
  readonly names?: readonly string[];
  readonly numLabels: number;
}

/**
 * Works out the classes of a classification dataset. With class-name labels: `labelNames` when
 * given (they must be distinct), else the distinct names sorted (code-unit order), so the ids do not
 * depend on the order of the records; more names than `numLabels` (the model's labels) is an error.
 * With integer labels: `numLabels` when given, else the `labelNames` count, else the largest id + 1.
 * `labelNames` and `numLabels` that disagree are a `ConfigError`.
 *
 * @example
 * ```ts
 * classLabels(formatRecords(parseCsv('text,label\na,pos\nb,neg\n', 'train.csv'))); // { names: ['neg', 'pos'], numLabels: 2 }
 * ```
 */
export function classLabels(dataset: FormattedDataset, labelNames?: readonly string[], numLabels?: number): ClassLabels {
  if (labelNames !== undefined) {
    const seen = new Set<string>();
    for (const n of labelNames) {
      if (typeof n !== 'string') throw new ArgumentError(`classLabels: labelNames must be strings, got ${JSON.stringify(n)}`);
      if (seen.has(n)) throw new ArgumentError(`classLabels: labelNames lists "${n}" twice`);
      seen.add(n);
    }
    if (numLabels !== undefined && numLabels !== labelNames.length) {
      throw new ConfigError(`${dataset.label}: ${labelNames.length} class names are given but the model has ${numLabels} labels`);
    }
  }
  const labels = dataset.records.flatMap((r) => (r.format === 'classification' ? [r.label] : []));
  if (typeof labels[0] === 'string') {
    const names = labelNames ?? [...new Set(labels as string[])].sort();
    if (numLabels !== undefined && names.length > numLabels) {
      throw new FileFormatError(`${dataset.label}: the labels name ${names.length} classes (${names.map((n) => JSON.stringify(n)).join(', ')}) but the model has ${numLabels} labels`);
    }
    return { names, numLabels: numLabels ?? names.length };
  }
  const count = numLabels ?? labelNames?.length ?? Math.max(...(labels as number[])) + 1;
  return { names: labelNames, numLabels: count };
}

/**
 * The class id of a record's label: a name's index in the class names, or the integer itself,
 * checked against the number of classes. An unknown name or an id out of range is a
 * `FileFormatError` naming `where`.
 *
 * @example
 * ```ts
 * resolveClassLabel('pos', { names: ['neg', 'pos'], numLabels: 2 }, 'train.csv line 2'); // 1
 * ```
 */
export function resolveClassLabel(label: number | string, classes: ClassLabels, where: string): number {
  if (typeof label === 'string') {
    const id = classes.names?.indexOf(label) ?? -1;
    if (id < 0) {
      throw new FileFormatError(`${where}: "label" ${JSON.stringify(label)} is not one of the class names [${(classes.names ?? []).map((n) => JSON.stringify(n)).join(', ')}]`);
    }
    return id;
  }
  if (label >= classes.numLabels) {
    throw new FileFormatError(`${where}: "label" must be a class id below ${classes.numLabels}, got ${label}`);
  }
  return label;
}
