/** The library behind the `probing` CLI. */
export { attach, type Attachment, type AttachOptions, type TargetIdentity } from './attach/attach.js';
export { parseTarget, describeTarget, type TargetSpec } from './attach/target-spec.js';
export { listNodeProcesses, type ListedProcess } from './attach/list.js';
export { Session } from './attach/session.js';
export { evaluate, type EvalOptions } from './run/evaluate.js';
export { inject, type InjectOptions } from './run/inject.js';
export { withTarget } from './run/with-target.js';
export * from './errors.js';
