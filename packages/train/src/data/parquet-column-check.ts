import { FileFormatError } from '@peft/core';
import { type FileMetaData, type SchemaTree, parquetSchema } from 'hyparquet';

/** The dotted paths of the schema's leaf columns; a name twice among siblings is refused. */
function leafPaths(tree: SchemaTree, prefix: string, label: string, out: Set<string>): Set<string> {
  const seen = new Set<string>();
  for (const child of tree.children) {
    const name = child.element.name;
    const n = child.element.num_children;
    if (n !== undefined && !(Number.isSafeInteger(n) && n >= 0)) throw new FileFormatError(`${label}: the schema gives the column "${prefix}${name}" ${String(n)} children; expected a count of 0 or more`);
    if (seen.has(name)) throw new FileFormatError(`${label}: the schema names the column "${prefix}${name}" twice; each column needs its own name (the file was corrupted or written by a broken tool)`);
    seen.add(name);
    if (child.children.length) leafPaths(child, `${prefix}${name}.`, label, out);
    else out.add(`${prefix}${name}`);
  }
  return out;
}

/**
 * Checks that every column chunk of every row group belongs to a leaf column of the file's schema,
 * at most once per row group, and that the schema's column names are unique: the reader assembles
 * rows by these names, so a chunk that names no column (or a second column of one name) would be read
 * and then dropped. A mismatch is a `FileFormatError` naming the row group and the chunk.
 *
 * @example
 * ```ts
 * checkParquetColumns(await parquetMetadataAsync(file), 'train.parquet');
 * ```
 */
export function checkParquetColumns(metadata: FileMetaData, label: string): void {
  let leaves: Set<string>;
  try {
    leaves = leafPaths(parquetSchema(metadata), '', label, new Set());
  } catch (e) {
    if (e instanceof FileFormatError) throw e;
    throw new FileFormatError(`${label}: the file's schema cannot be read (${(e as Error).message})`);
  }
  metadata.row_groups.forEach((group, g) => {
    const chunks = new Set<string>();
    for (const chunk of group.columns) {
      const path = chunk.meta_data?.path_in_schema;
      if (!Array.isArray(path)) throw new FileFormatError(`${label}: a column chunk of row group ${g} has no column metadata`);
      const name = path.join('.');
      if (!leaves.has(name)) throw new FileFormatError(`${label}: row group ${g} has a column chunk for "${name}", which the schema does not declare (columns: ${[...leaves].join(', ')})`);
      if (chunks.has(name)) throw new FileFormatError(`${label}: row group ${g} has two column chunks for "${name}"`);
      chunks.add(name);
    }
  });
}
