import type { Module } from '../../nn/module.js';
import { AdapterLayer } from '../method/adapter-layer.js';
import { ModulesToSaveWrapper } from '../model/modules-to-save.js';

/**
 * The modules adapters can be put on, by path: adapter layers and `modules_to_save` wrappers count as
 * the module they wrap (their insides are not candidates).
 *
 * @example
 * ```ts
 * for (const [path, m] of candidateModules(model)) console.log(path);
 * ```
 */
export function* candidateModules(root: Module): IterableIterator<[string, Module]> {
  const stack: [string, Module][] = [['', root]];
  while (stack.length) {
    const [path, m] = stack.pop()!;
    if (path !== '') yield [path, m];
    if (m instanceof AdapterLayer || m instanceof ModulesToSaveWrapper) continue;
    const kids = [...m.namedChildren()].reverse();
    for (const [name, child] of kids) stack.push([path ? `${path}.${name}` : name, child]);
  }
}
