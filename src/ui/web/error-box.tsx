/** An error as the CLI prints it: the message, then the hint that names the fix. */
import type { ErrorBody } from './client.js';

export function ErrorBox({ error, extra }: { error: ErrorBody | null; extra?: string }) {
  if (!error) return null;
  return (
    <div class="error-box" data-testid="error" data-code={error.code} role="alert">
      <div class="error-message">{error.message}</div>
      {extra ? <div class="error-extra">{extra}</div> : null}
      {error.hint ? <div class="error-hint">hint: {error.hint}</div> : null}
    </div>
  );
}
