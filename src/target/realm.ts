/**
 * Built-ins the target cannot have tampered with. A target may replace Array.prototype.map,
 * Object.keys, JSON.stringify, Map.prototype.entries… (polyfills, monkey patches, hostile
 * code); probing's snippets would then compute wrong answers without a word. So the
 * snippets that read and serialize the target's values are compiled in a V8 context
 * (node:vm) of probing's own, whose intrinsics are pristine. It is made on first use in
 * an attachment (0.4 ms, ~200 KiB), kept under a symbol on the target's globalThis while
 * the command is attached, and removed when it detaches.
 *
 * Such a snippet must be self-contained and must not rely on the target's realm: it tells
 * values apart by brand checks, not instanceof, and iterates them through its own realm's
 * methods (see target/columns.ts). Primitives' methods (a string's slice) are looked up in
 * the realm of the code that runs, so they are pristine too.
 */
import { LOAD_BUILTIN } from './snippets.js';
import type { ColumnLimits } from './columns.js';
import { columnSteps, joinParts } from './columns.js';
import { pullDriver } from './pull.js';

/** Where the realm lives in the target while a command is attached (removed on detach: see dropRealm). */
export const REALM_KEY = 'probing.realm';

/**
 * The globals a snippet uses, handed to it as closure variables: a global looked up in a
 * node:vm context goes through the context's interceptor on every access, which made
 * toColumns 2-3x slower; as closure variables they are as fast as in the target's realm.
 */
const INTRINSICS = 'Object, Array, Map, Set, Number, Math, JSON, String, Symbol, BigInt, Date, RegExp, Error, Int32Array, Float64Array, Uint8Array, ArrayBuffer, Reflect, Boolean, Promise, process';

/**
 * Makes (once per attachment) the context and compiles each snippet in it once, so that
 * a snippet run many times in a command (a runtime table read in chunks) is compiled and
 * optimized once, as it would be in the target's own realm. `process` is its one global.
 */
const REALM = `((source) => { const key = Symbol.for(${JSON.stringify(REALM_KEY)}); let realm = globalThis[key]; if (!realm) { const vm = ${LOAD_BUILTIN}('node:vm'); const context = vm.createContext({ process }); realm = { vm, context, compiled: vm.runInContext('new Map()', context) }; globalThis[key] = realm; } let fn = realm.compiled.get(source); if (fn === undefined) { fn = realm.vm.runInContext('((' + ${JSON.stringify(INTRINSICS)} + ') => (' + source + '))(' + ${JSON.stringify(INTRINSICS)} + ')', realm.context); realm.compiled.set(source, fn); } return fn; })`;

/** An expression, for the target, evaluating to `source` (a self-contained function's text) compiled in probing's realm. */
export function pristine(source: string): string {
  return `${REALM}(${JSON.stringify(source)})`;
}

/** Removes probing's realm from the target (an expression; nothing when there is none). */
export const DROP_REALM = `void delete globalThis[Symbol.for(${JSON.stringify(REALM_KEY)})]`;

/**
 * What toColumns takes from the target's own modules (through the loader, not globals):
 * base64 from node:buffer, and node:util's types, which tell a Map, Set or Date from
 * internal slots without throwing.
 */
export const NATIVE = `((B, types) => ({ encode: (v) => B.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'), types }))(${LOAD_BUILTIN}('node:buffer').Buffer, ${LOAD_BUILTIN}('node:util').types)`;

/** An expression, for the target, that turns the value of `valueExpression` into a TablePayload (target/columns.ts). */
export function columnsOf(valueExpression: string, limits: ColumnLimits): string {
  return `(${pristine(TO_COLUMNS)})(${valueExpression}\n, ${JSON.stringify(limits)}, ${NATIVE})`;
}

/**
 * An expression for the target: the pull driver (target/pull.ts), compiled in probing's
 * realm, to be called with (globalThis, 'start', id, budgetMs, value, limits, NATIVE_HELPERS).
 * Later steps call it as globalThis[Symbol.for('probing.pulls')].driver(…).
 */
export function pullDriverExpression(): string {
  return pristine(`(${pullDriver.toString()})(${columnSteps.toString()})`);
}

/** toColumns with columnSteps inside it, as one self-contained source. */
export const TO_COLUMNS = `((steps, join) => (value, limits, native) => { const it = steps(value, limits, native); for (;;) { const step = it.next(); if (step.done) return join(step.value); } })(${columnSteps.toString()}, ${joinParts.toString()})`;

/**
 * An expression for the target: a function that marks a promise as handled and returns
 * it. What the CLI evaluates without awaiting at once (it awaits with a second request,
 * Runtime.awaitPromise) is marked in the same evaluation: a rejection before that request
 * would otherwise be unhandled, which ends a Node.js process by default. A brand check
 * (util.types.isPromise), then the `then` of probing's realm: the target's Promise may be
 * replaced (zone.js does). Only a promise makes the realm.
 */
export const MARK_HANDLED = `((v) => (${LOAD_BUILTIN}('node:util').types.isPromise(v) ? ${pristine('(v) => { try { Promise.prototype.then.call(v, undefined, () => {}); } catch {} return v; }')}(v) : v))`;
