/**
 * probing <pid> agent install | status | remove: the probing agent in a process
 * that was not started with it. install goes in once the usual way (an open
 * inspector, or SIGUSR1 — closed again as soon as the agent answers on its
 * socket); remove goes in through the agent and leaves the process as it was.
 */
import { ExitCode, ProbingError, UsageError } from '../errors.js';
import { parseTarget } from '../attach/target-spec.js';
import { AGENT_PATH } from './launch.js';
import { noteLeftOpen } from '../run/left-open.js';

export interface AgentOptions {
  timeout: number;
  attachTimeout: number;
}

const AGENT_KEY = 'Symbol.for("probing.agent")';

/** Whether the agent of `pid` answers on its socket (one connection, closed at once), or why it is not used. */
async function answers(pid: number): Promise<boolean | string> {
  const { connectAgent } = await import('../attach/agent-socket.js');
  const agent = await connectAgent(pid).catch(() => undefined);
  if (!agent?.transport) return agent?.refused ?? false;
  await agent.transport.close();
  return true;
}

/** Asks every 20 ms until the agent of `pid` answers (or, `answering` false, stops answering); past `waitMs`, throws what `late` makes. */
async function untilAgent(pid: number, answering: boolean, waitMs: number, late: () => Error): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (((await answers(pid)) === true) !== answering) {
    if (Date.now() > deadline) throw late();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function agentCommand(target: string, action: string, options: AgentOptions, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const spec = parseTarget(target);
  if (spec.kind !== 'pid' || spec.worker !== undefined) throw new UsageError('AGENT_TARGET', 'the agent is installed into a process: give its pid', { hint: 'probing 4242 agent install' });
  const { locateAgent } = await import('../attach/agent-socket.js');
  const { path } = await locateAgent(spec.pid);
  const [{ withTarget }, { evaluateValue }] = await Promise.all([import('../run/with-target.js'), import('../run/remote-value.js')]);
  switch (action) {
    case 'status': {
      const state = await answers(spec.pid);
      out(
        state === true
          ? `pid ${spec.pid}: the agent answers on ${path}\n`
          : state
            ? `pid ${spec.pid}: not using the agent: ${state} (probing gets in through an open inspector or SIGUSR1)\n`
            : `pid ${spec.pid}: no agent (probing gets in through an open inspector or SIGUSR1)\n`,
      );
      return ExitCode.ok;
    }
    case 'install': {
      if ((await answers(spec.pid)) === true) {
        out(`pid ${spec.pid}: the agent is already installed (${path}); nothing to do\n`);
        return ExitCode.ok;
      }
      const { leftOpen } = await withTarget(spec, { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout }, async (attachment) => {
        await evaluateValue(attachment.session, `(() => { require('node:module').createRequire(${JSON.stringify(AGENT_PATH)})(${JSON.stringify(AGENT_PATH)}); return !!globalThis[${AGENT_KEY}]; })()`, 'installing the agent', options.timeout);
        // detach (closing what we opened) only once the agent answers: its thread starts in
        // a moment, or seconds on a loaded machine (a clean-clone test run met 5 s), so this
        // waits as long as an attach may (--attach-timeout), --timeout at the least
        const waitMs = Math.max(options.timeout, options.attachTimeout);
        await untilAgent(spec.pid, true, waitMs, () => new UsageError('AGENT_SILENT', `pid ${spec.pid} loaded the agent, but it does not answer on ${path} after ${waitMs} ms`, { hint: 'check that its user can create that directory (0700, owned by that user); on a loaded machine, a longer --attach-timeout' }));
      });
      out(`pid ${spec.pid}: the agent answers on ${path}; probing gets in there from now on, with no signal and no port\n`);
      noteLeftOpen(leftOpen, err);
      return ExitCode.ok;
    }
    case 'remove': {
      if ((await answers(spec.pid)) !== true) {
        out(`pid ${spec.pid}: no agent to remove\n`);
        return ExitCode.ok;
      }
      // Through the agent itself: its thread stops a moment after the answer, which travels
      // through that very thread; should the stop outrun the answer, the socket going away says the rest.
      const removing = await withTarget(spec, { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout }, (attachment) =>
        evaluateValue(attachment.session, `(() => { const a = globalThis[${AGENT_KEY}]; if (!a || !a.stop) return false; setTimeout(() => a.stop(), 100); return true; })()`, 'removing the agent', options.timeout),
      ).catch(async (error: unknown) => {
        if (!(error instanceof ProbingError) || (await answers(spec.pid)) === true) throw error;
      });
      noteLeftOpen(removing?.leftOpen, err);
      // its thread stops once the target's event loop runs the removal: as long as install
      // waits for it to start (a loaded machine is slow at both)
      const waitMs = Math.max(options.timeout, options.attachTimeout);
      await untilAgent(spec.pid, false, waitMs, () => new UsageError('AGENT_STAYS', `pid ${spec.pid}'s agent still answers on ${path} after ${waitMs} ms`, { hint: 'retry; a process stuck in a loop runs the removal when it returns to its event loop; on a loaded machine, a longer --attach-timeout' }));
      out(`pid ${spec.pid}: the agent is removed (its thread stopped, ${path} deleted)\n`);
      return ExitCode.ok;
    }
    default:
      throw new UsageError('AGENT_ACTION', `unknown agent action "${action}"`, { hint: 'probing <pid> agent install | status | remove' });
  }
}
