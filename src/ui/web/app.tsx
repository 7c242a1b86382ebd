/** The page: the processes on the left; on the right, a tab per opened target and its views. */
import { useEffect, useState } from 'preact/hooks';
import type { UiConfig } from '../api.js';
import { errorBody, getJson, type ErrorBody } from './client.js';
import { ErrorBox } from './error-box.js';
import { Processes } from './processes.js';
import { useStore } from './store.js';
import { TargetView } from './target-view.js';
import { Workspace } from './workspace.js';

export function App() {
  const [workspace, setWorkspace] = useState<Workspace | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);

  useEffect(() => {
    getJson<UiConfig>('api/config').then(
      (config) => {
        const opened = new Workspace(config);
        setWorkspace(opened);
        // all opened, the first shown
        config.targets.forEach((target, i) => void opened.open(target, i === 0));
        document.title = `probing ui ${config.version}`;
      },
      (e: unknown) => setError(errorBody(e)),
    );
  }, []);

  if (!workspace) {
    return (
      <div class="loading">
        {error ? <ErrorBox error={error} /> : <span class="dim">Loading…</span>}
      </div>
    );
  }
  return <Layout workspace={workspace} />;
}

function Layout({ workspace }: { workspace: Workspace }) {
  const targets = useStore(workspace.targets);
  const active = useStore(workspace.active);
  return (
    <div class="layout">
      <header class="topbar">
        <span class="brand">probing</span>
        <span class="dim">ui {workspace.config.version}</span>
        <nav class="target-tabs" data-testid="targets">
          {targets.map((t) => (
            <span key={t.key} class={`target-tab${t.key === active ? ' active' : ''}${t.error ? ' failed' : ''}`} data-testid={`target-tab-${t.key}`}>
              <button type="button" class="target-tab-name" onClick={() => workspace.active.set(t.key)} title={t.opened?.title ?? t.key}>
                {t.key}
                {t.opened?.title ? <span class="dim"> {t.opened.title}</span> : null}
              </button>
              <button type="button" class="icon close" data-testid={`target-close-${t.key}`} title="Close: stop sampling and detach" onClick={() => void workspace.close(t.key)}>
                ×
              </button>
            </span>
          ))}
        </nav>
      </header>
      <Processes workspace={workspace} />
      <main class="main">
        {targets.length === 0 ? <div class="empty-state dim">Choose a process on the left to open it.</div> : null}
        {targets.map((t) => (
          <div key={t.key} class="target" data-testid={`target-${t.key}`} data-active={t.key === active ? 'true' : 'false'} hidden={t.key !== active}>
            <TargetView target={t} workspace={workspace} />
          </div>
        ))}
      </main>
    </div>
  );
}
