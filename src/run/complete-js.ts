/**
 * Tab completion of JavaScript in the repl, from the target's own objects, as DevTools'
 * console does it: the expression before the last dot is evaluated by V8 with
 * throwOnSideEffect (V8 stops it at the first thing that would change state — a setter, a
 * write to a global, a call that is not side-effect free — so a getter that counts or a
 * Proxy trap that logs never runs its effect), and the names come from Runtime.getProperties
 * of what it gave, along its prototype chain (getters are listed, not called). A bare name
 * is completed from the global scope: Runtime.globalLexicalScopeNames (top-level let, const
 * and class) and globalThis's properties. Only dotted identifier paths are evaluated
 * (`app.server.li`); after a call or an index (`f().x`, `a[0].x`) nothing is offered.
 */
import type { Session } from '../attach/session.js';

const GROUP = 'probing-complete';
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The expression whose properties are wanted ('' for the global scope) and the name begun after it. */
export function completionTarget(line: string): { object: string; prefix: string } | undefined {
  const match = /((?:[A-Za-z_$][\w$]*\s*\.\s*)*)([\w$]*)$/.exec(line);
  if (!match) return undefined;
  const before = line.slice(0, match.index).trimEnd();
  // a member of something not a plain path (a call, an index, a number): not evaluated
  if (/[.)\]]$/.test(before) || /^\d/.test(match[2]!)) return undefined;
  if (/^\d/.test(match[1]!)) return undefined;
  return { object: match[1]!.replace(/\s*\.\s*$/, '').replace(/\s+/g, ''), prefix: match[2]! };
}

async function names(session: Session, objectId: string, timeoutMs: number): Promise<string[]> {
  const { result } = await session.send('Runtime.getProperties', { objectId, ownProperties: false, generatePreview: false }, { timeoutMs });
  return result.map((p) => p.name);
}

/**
 * What readline's completer returns for `line`: the names that begin with what was typed,
 * and that typed part. Nothing (not an error) when the target cannot say in time or the
 * expression would have side effects.
 */
export async function completeJs(session: Session, line: string, timeoutMs: number): Promise<[string[], string]> {
  const at = completionTarget(line);
  if (!at) return [[], ''];
  try {
    let found: string[];
    if (at.object === '') {
      const [{ names: lexical }, global] = await Promise.all([
        session.send('Runtime.globalLexicalScopeNames', {}, { timeoutMs }),
        session.send('Runtime.evaluate', { expression: 'globalThis', objectGroup: GROUP, silent: true }, { timeoutMs }),
      ]);
      found = [...lexical, ...(global.result.objectId ? await names(session, global.result.objectId, timeoutMs) : [])];
    } else {
      // Object(…): a string or a number completes with its wrapper's methods
      const { result, exceptionDetails } = await session.send(
        'Runtime.evaluate',
        { expression: `Object(${at.object})`, objectGroup: GROUP, silent: true, throwOnSideEffect: true, timeout: timeoutMs },
        { timeoutMs: timeoutMs * 2 },
      );
      if (exceptionDetails || !result.objectId) return [[], at.prefix];
      found = await names(session, result.objectId, timeoutMs);
    }
    const hits = [...new Set(found)].filter((name) => IDENTIFIER.test(name) && name.startsWith(at.prefix)).sort();
    return [hits, at.prefix];
  } catch {
    return [[], at.prefix];
  } finally {
    await session.send('Runtime.releaseObjectGroup', { objectGroup: GROUP }, { timeoutMs }).catch(() => {});
  }
}
