/** Run JavaScript in the target, as probing eval and probing inject do (only offered when the server was started with --allow-eval). */
import { useState } from 'preact/hooks';
import type { EvalAnswer, InjectRequest } from '../api.js';
import { errorBody, postJson, targetPath, type ErrorBody } from './client.js';
import { ErrorBox } from './error-box.js';

export function EvalView({ target }: { target: string }) {
  return (
    <div class="eval" data-testid="eval">
      <EvalCode target={target} />
      <InjectFile target={target} />
    </div>
  );
}

/** One request at a time to the server, its answer's text or its error kept for showing. */
function useAsk() {
  const [answer, setAnswer] = useState<string | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [running, setRunning] = useState(false);
  const ask = async (path: string, body: unknown) => {
    if (running) return;
    setRunning(true);
    setError(null);
    try {
      setAnswer((await postJson<EvalAnswer>(path, body)).text);
    } catch (e) {
      setError(errorBody(e));
      setAnswer(null);
    } finally {
      setRunning(false);
    }
  };
  return { answer, error, running, ask };
}

function EvalCode({ target }: { target: string }) {
  const [code, setCode] = useState('process.memoryUsage()');
  const { answer, error, running, ask } = useAsk();
  const run = async () => {
    if (code.trim()) await ask(targetPath(target, 'eval'), { code });
  };

  return (
    <section>
      <textarea
        class="eval-code"
        data-testid="eval-code"
        value={code}
        spellcheck={false}
        rows={6}
        onInput={(e) => setCode(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void run();
          }
        }}
      />
      <div class="toolbar">
        <button type="button" class="primary" data-testid="eval-run" onClick={() => void run()} disabled={running}>
          {running ? 'Running…' : 'Run'}
        </button>
        <span class="dim">Ctrl/⌘-Enter · runs in the target, as probing eval does</span>
      </div>
      <ErrorBox error={error} />
      {answer !== null ? (
        <pre class="eval-output" data-testid="eval-output">
          {answer}
        </pre>
      ) : null}
    </section>
  );
}

/** A script from this machine's disk, loaded as probing inject loads it. */
function InjectFile({ target }: { target: string }) {
  const [file, setFile] = useState('');
  const { answer, error, running, ask } = useAsk();
  const run = async () => {
    const request: InjectRequest = { file: file.trim() };
    if (request.file) await ask(targetPath(target, 'inject'), request);
  };

  return (
    <section class="inject">
      <h3>Inject a script</h3>
      <div class="toolbar">
        <input
          type="text"
          class="inject-file"
          data-testid="inject-file"
          placeholder="./hook.js — a path on this machine (relative: from where probing ui was started)"
          value={file}
          spellcheck={false}
          onInput={(e) => setFile(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void run();
          }}
        />
        <button type="button" class="primary" data-testid="inject-run" onClick={() => void run()} disabled={running || !file.trim()}>
          {running ? 'Injecting…' : 'Inject'}
        </button>
        <span class="dim">loaded CommonJS-style, as probing inject does; what it exports is shown</span>
      </div>
      <ErrorBox error={error} />
      {answer !== null ? (
        <pre class="eval-output" data-testid="inject-output">
          {answer}
        </pre>
      ) : null}
    </section>
  );
}
