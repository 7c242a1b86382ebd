/**
 * The SQL console of one target: the editor, Run (Ctrl/Cmd-Enter), the answer as a
 * sortable table with the CLI's cut notes above it, exports, and the query history.
 */
import type { SQLNamespace } from '@codemirror/lang-sql';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { QueryAnswer } from '../api.js';
import { completionSchema, loadCatalog } from './catalog.js';
import { ApiFailure, errorBody, postDownload, postJson, targetPath, type ErrorBody } from './client.js';
import { DataTable, type Column } from './data-table.js';
import { ErrorBox } from './error-box.js';
import { formatMs } from './format.js';
import { readHistory, remember } from './sql-history.js';
import { SqlEditor, type EditorHandle } from './sql-editor.js';

/** A query to put in the editor and run (a preset tab); seq tells one click from the next. */
export interface SqlRequest {
  sql: string;
  seq: number;
}

const FIRST = 'SELECT * FROM process.memory';
const NUMERIC = /^(u?int|integer|bigint|hugeint|smallint|tinyint|float|double|real|decimal|numeric)/i;
const FORMATS = ['csv', 'json', 'arrow'] as const;

interface Ran {
  /** Tells one answer from the next (the table's sort starts over). */
  n: number;
  sql: string;
  answer: QueryAnswer;
  columns: Column[];
}

export function SqlConsole({ target, request }: { target: string; request: SqlRequest | null }) {
  const editor = useRef<EditorHandle | null>(null);
  const [schema, setSchema] = useState<SQLNamespace | null>(null);
  const [ran, setRan] = useState<Ran | null>(null);
  const [error, setError] = useState<{ body: ErrorBody; where?: string } | null>(null);
  const [running, setRunning] = useState(false);
  const busy = useRef(false);
  const [history, setHistory] = useState<string[]>(readHistory);
  const [showHistory, setShowHistory] = useState(false);
  const [exportError, setExportError] = useState<ErrorBody | null>(null);

  useEffect(() => {
    loadCatalog().then(
      (catalog) => setSchema(completionSchema(catalog)),
      () => undefined, // completion without names; the query itself will say what is wrong
    );
  }, []);

  const run = async (text = editor.current?.text() ?? '') => {
    if (!text.trim() || busy.current) return;
    busy.current = true;
    setRunning(true);
    setError(null);
    editor.current?.clearError();
    setHistory(remember(text));
    try {
      const answer = await postJson<QueryAnswer>(targetPath(target, 'query'), { sql: text });
      setRan((old) => ({
        n: (old?.n ?? 0) + 1,
        sql: text,
        answer,
        columns: answer.columns.map((c) => ({ name: c.name, note: c.type, numeric: NUMERIC.test(c.type) })),
      }));
    } catch (e) {
      const body = errorBody(e);
      let where: string | undefined;
      if (e instanceof ApiFailure && typeof body.position === 'number' && editor.current) {
        const at = editor.current.markError(body.position);
        where = `marked in the editor: line ${at.line}, column ${at.column}`;
      }
      setError({ body, where });
      setRan(null);
    } finally {
      busy.current = false;
      setRunning(false);
    }
  };

  useEffect(() => {
    if (!request || !editor.current) return;
    editor.current.setText(request.sql);
    void run(request.sql);
  }, [request?.seq]);

  const download = async (format: (typeof FORMATS)[number]) => {
    if (!ran) return;
    setExportError(null);
    try {
      await postDownload(`${targetPath(target, 'query')}?format=${format}`, { sql: ran.sql }, `query.${format}`);
    } catch (e) {
      setExportError(errorBody(e));
    }
  };

  const answer = ran?.answer;
  return (
    <div class="sql-console" data-testid="sql-console">
      <div class="toolbar">
        <button type="button" class="primary" data-testid="sql-run" onClick={() => void run()} disabled={running} title="Run (Ctrl/Cmd-Enter)">
          {running ? 'Running…' : 'Run'}
        </button>
        <span class="dim kbd-hint">Ctrl/⌘-Enter</span>
        <span class="status" data-testid="sql-status">
          {answer && !running ? `${answer.rows.length.toLocaleString('en-US')} row${answer.rows.length === 1 ? '' : 's'} in ${formatMs(answer.ms)}` : ''}
        </span>
        <span class="spacer" />
        <span class="dim">export</span>
        {FORMATS.map((format) => (
          <button key={format} type="button" data-testid={`export-${format}`} disabled={!ran} onClick={() => void download(format)} title={`Download the last result as ${format.toUpperCase()}`}>
            {format.toUpperCase()}
          </button>
        ))}
        <button type="button" data-testid="sql-history-toggle" class={showHistory ? 'pressed' : undefined} onClick={() => setShowHistory((v) => !v)}>
          History ({history.length})
        </button>
      </div>
      {showHistory ? (
        <ul class="history" data-testid="sql-history">
          {history.length === 0 ? <li class="dim">no queries run yet</li> : null}
          {history.map((q, i) => (
            <li
              key={q}
              data-testid={`sql-history-${i}`}
              title="Put this query in the editor"
              onClick={() => {
                editor.current?.setText(q);
                editor.current?.focus();
                setShowHistory(false);
              }}
            >
              {q}
            </li>
          ))}
        </ul>
      ) : null}
      <SqlEditor initial={FIRST} schema={schema} onRun={() => void run()} handle={editor} />
      <ErrorBox error={exportError} />
      {error ? <ErrorBox error={error.body} extra={error.where} /> : null}
      {answer && answer.cut.length > 0 ? (
        <ul class="cut" data-testid="sql-cut">
          {answer.cut.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      ) : null}
      {ran ? <DataTable key={ran.n} columns={ran.columns} rows={ran.answer.rows} testid="sql-results" /> : null}
    </div>
  );
}
