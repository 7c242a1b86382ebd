/** Where the target's threads are now: the main thread's stack and each worker's. */
import { useEffect, useState } from 'preact/hooks';
import type { Frame, Stacks, Trace } from '../api.js';
import { errorBody, getJson, targetPath, type ErrorBody } from './client.js';
import { ErrorBox } from './error-box.js';

interface Props {
  target: string;
  /** Opens a worker as a target of its own (pid/w<id>). */
  onOpenWorker: (key: string) => void;
  pid: number;
}

export function StacksView({ target, onOpenWorker, pid }: Props) {
  const [stacks, setStacks] = useState<Stacks | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [loading, setLoading] = useState(false);
  const [takenAt, setTakenAt] = useState<Date | null>(null);

  const load = async () => {
    setLoading(true);
    try {
      setStacks(await getJson<Stacks>(targetPath(target, 'stacks')));
      setTakenAt(new Date());
      setError(null);
    } catch (e) {
      setError(errorBody(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => void load(), [target]);

  return (
    <div class="stacks" data-testid="stacks">
      <div class="toolbar">
        <button type="button" class="primary" data-testid="stacks-refresh" onClick={() => void load()} disabled={loading}>
          {loading ? 'Reading…' : 'Refresh'}
        </button>
        {takenAt ? <span class="dim">taken at {takenAt.toLocaleTimeString('en-GB', { hour12: false })}</span> : null}
      </div>
      <ErrorBox error={error} />
      {stacks ? (
        <>
          <ThreadStack title="main thread" trace={stacks.main} testid="stack-main" />
          {stacks.workers.map((worker) => (
            <section key={worker.id} class="thread" data-testid={`stack-${worker.id}`}>
              <header class="thread-head">
                worker {worker.id}
                {worker.title ? <span> · {worker.title}</span> : null}
                {worker.url ? <span class="dim"> · {worker.url}</span> : null}
                {target.includes('/') ? null : (
                  <button type="button" class="link" data-testid={`open-worker-${worker.id}`} onClick={() => onOpenWorker(`${pid}/${workerName(worker.id)}`)} title="Open this worker as a target of its own">
                    open
                  </button>
                )}
              </header>
              {worker.error ? <div class="error-inline">{worker.error}</div> : null}
              {worker.trace ? <TraceView trace={worker.trace} /> : null}
            </section>
          ))}
        </>
      ) : null}
    </div>
  );
}

function workerName(id: string): string {
  return id.startsWith('w') ? id : `w${id}`;
}

function ThreadStack({ title, trace, testid }: { title: string; trace: Trace; testid: string }) {
  return (
    <section class="thread" data-testid={testid}>
      <header class="thread-head">{title}</header>
      <TraceView trace={trace} />
    </section>
  );
}

function TraceView({ trace }: { trace: Trace }) {
  if (trace.idle) {
    const holders = Object.entries(trace.resources)
      .sort((a, b) => b[1] - a[1])
      .map(([type, n]) => (n === 1 ? type : `${type} ×${n}`));
    return (
      <div class="idle" data-testid="idle">
        idle{holders.length ? `, kept alive by ${holders.join(', ')}` : ', nothing keeps it alive'}
      </div>
    );
  }
  return (
    <ol class="frames">
      {trace.frames.map((frame, i) => (
        <FrameRow key={i} frame={frame} />
      ))}
    </ol>
  );
}

function FrameRow({ frame }: { frame: Frame }) {
  const where = frame.file ? `${frame.file}${frame.line !== null ? `:${frame.line}` : ''}${frame.column !== null ? `:${frame.column}` : ''}` : 'native';
  const generated = frame.generated ? `ran as ${frame.generated.file}:${frame.generated.line}:${frame.generated.column}` : undefined;
  return (
    <li class={`frame${frame.native ? ' native' : ''}`} data-native={frame.native ? 'true' : undefined}>
      {frame.async ? <span class="async-mark">async </span> : null}
      <span class="fn">{frame.function || '<anonymous>'}</span> <span class="where" title={generated}>{where}</span>
    </li>
  );
}
