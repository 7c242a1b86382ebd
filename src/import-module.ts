/**
 * import() of a user's own module (an ES module extension). In the bundle, code compiled
 * from the code cache cannot import() on Node.js 20 (see compile-cache.ts): the loader
 * passes in `__probingImport`, compiled as usual; elsewhere (tests, Node.js 22) import().
 */
declare const __probingImport: ((specifier: string) => Promise<unknown>) | undefined;

export function importModule(specifier: string): Promise<unknown> {
  return typeof __probingImport === 'function' ? __probingImport(specifier) : import(specifier);
}
