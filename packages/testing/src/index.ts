/** @packageDocumentation The conformance suite. */
export {};
