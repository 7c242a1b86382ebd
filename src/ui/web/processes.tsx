/** The sidebar: the Node.js processes this user may probe; a click opens one. */
import { useEffect, useState } from 'preact/hooks';
import type { ProcessRow } from '../api.js';
import { errorBody, getJson, type ErrorBody } from './client.js';
import { ErrorBox } from './error-box.js';
import { useStore } from './store.js';
import type { Workspace } from './workspace.js';

const WAY_TITLE: Record<ProcessRow['way'], string> = {
  agent: "through probing's agent socket: no signal, no port",
  inspector: 'its inspector is already open: probing joins it',
  signal: 'SIGUSR1 opens its inspector; probing closes it again when done',
  none: 'probing cannot get in',
};

export function Processes({ workspace }: { workspace: Workspace }) {
  const targets = useStore(workspace.targets);
  const active = useStore(workspace.active);
  const [rows, setRows] = useState<ProcessRow[] | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [loading, setLoading] = useState(false);
  const [filter, setFilter] = useState('');

  const load = async () => {
    setLoading(true);
    try {
      setRows(await getJson<ProcessRow[]>('api/processes'));
      setError(null);
    } catch (e) {
      setError(errorBody(e));
    } finally {
      setLoading(false);
    }
  };
  const openCount = targets.filter((t) => t.opened).length;
  useEffect(() => void load(), [openCount]);

  const needle = filter.trim().toLowerCase();
  const shown = (rows ?? []).filter((r) => !needle || `${r.pid} ${r.command}`.toLowerCase().includes(needle));
  const openKeys = new Set(targets.filter((t) => t.opened).map((t) => t.opened?.target));

  return (
    <aside class="sidebar" data-testid="processes">
      <div class="sidebar-head">
        <span class="sidebar-title">Processes</span>
        <button type="button" class="icon" data-testid="processes-refresh" onClick={() => void load()} disabled={loading} title="List the processes again">
          {loading ? '…' : '↻'}
        </button>
      </div>
      <input
        class="filter"
        type="search"
        placeholder="filter pid or command"
        value={filter}
        onInput={(e) => setFilter(e.currentTarget.value)}
        data-testid="process-filter"
      />
      <ErrorBox error={error} />
      <ul class="process-list">
        {shown.map((row) => {
          const key = String(row.pid);
          return (
            <li
              key={row.pid}
              class={`process way-${row.way}${active === key ? ' selected' : ''}`}
              data-testid={`process-${row.pid}`}
              data-way={row.way}
              data-open={row.open || openKeys.has(key) ? 'true' : 'false'}
              onClick={() => void workspace.open(key)}
              title={`${row.command}\n${row.address ? `at ${row.address}\n` : ''}${row.note ?? WAY_TITLE[row.way]}`}
            >
              <div class="process-line">
                <span class="pid">{row.pid}</span>
                {row.open || openKeys.has(key) ? <span class="open-dot" title="open in this page" /> : null}
                <span class={`way way-${row.way}`} title={WAY_TITLE[row.way]}>
                  {row.way}
                </span>
                <span class="node-version">{row.node ?? ''}</span>
              </div>
              <div class="command">{row.command}</div>
              {row.note ? <div class="note">{row.note}</div> : null}
            </li>
          );
        })}
        {rows && shown.length === 0 ? <li class="dim empty">{rows.length ? 'none matches' : 'no Node.js processes found'}</li> : null}
      </ul>
    </aside>
  );
}
