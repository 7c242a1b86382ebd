/** Run JavaScript in the target (only offered when the server was started with --allow-eval). */
import { useState } from 'preact/hooks';
import type { EvalAnswer } from '../api.js';
import { errorBody, postJson, targetPath, type ErrorBody } from './client.js';
import { ErrorBox } from './error-box.js';

export function EvalView({ target }: { target: string }) {
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
    <div class="eval" data-testid="eval">
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
    </div>
  );
}
