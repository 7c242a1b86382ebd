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

function EvalCode({ target }: { target: string }) {
  const [code, setCode] = useState('process.memoryUsage()');
  const [answer, setAnswer] = useState<string | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [running, setRunning] = useState(false);

  const run = async () => {
    if (running || !code.trim()) return;
    setRunning(true);
    setError(null);
    try {
      setAnswer((await postJson<EvalAnswer>(targetPath(target, 'eval'), { code })).text);
    } catch (e) {
      setError(errorBody(e));
      setAnswer(null);
    } finally {
      setRunning(false);
    }
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
  const [answer, setAnswer] = useState<string | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [running, setRunning] = useState(false);

  const run = async () => {
    if (running || !file.trim()) return;
    setRunning(true);
    setError(null);
    try {
      const request: InjectRequest = { file: file.trim() };
      setAnswer((await postJson<EvalAnswer>(targetPath(target, 'inject'), request)).text);
    } catch (e) {
      setError(errorBody(e));
      setAnswer(null);
    } finally {
      setRunning(false);
    }
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
