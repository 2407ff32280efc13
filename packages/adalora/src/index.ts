/**
 * Placeholder entry, filled in by the package.
 * @packageDocumentation
 */
export {};
