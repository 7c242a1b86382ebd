/**
 * One opened target: its tab bar and views. A view is made the first time its tab is
 * chosen and kept afterwards (hidden), so that a query, a profile or a snapshot is still
 * there on coming back.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { CpuView } from './cpu.js';
import { ErrorBox } from './error-box.js';
import { EvalView } from './eval.js';
import { HeapView } from './heap.js';
import { Overview } from './overview.js';
import { SqlConsole, type SqlRequest } from './sql-console.js';
import { StacksView } from './stacks.js';
import { apiTarget, type OpenTarget, type Workspace } from './workspace.js';

type View = 'overview' | 'sql' | 'stacks' | 'cpu' | 'heap' | 'eval';

/** Tabs that run a query into the SQL console's table. */
const PRESETS = [
  {
    name: 'modules',
    label: 'Modules',
    sql: 'SELECT package, version, count(*) AS files, sum(size_bytes) AS bytes\nFROM node.modules\nGROUP BY package, version\nORDER BY files DESC',
  },
  {
    // the sampler tables (filled or not) and the tables the target writes through probing/runtime
    name: 'runtime',
    label: 'Runtime tables',
    sql: [
      `SELECT coalesce(r."table", t.namespace || '.' || t.name) AS "table",`,
      '  r.rows, r.capacity, r.appended, r.dropped, t.description',
      'FROM probing.runtime_tables r',
      `FULL JOIN (SELECT * FROM probing.tables WHERE namespace = 'runtime') t`,
      `  ON r."table" = t.namespace || '.' || t.name`,
      'ORDER BY 1',
    ].join('\n'),
  },
] as const;

export function TargetView({ target, workspace }: { target: OpenTarget; workspace: Workspace }) {
  const [view, setView] = useState<View>('overview');
  const [seen, setSeen] = useState<Set<View>>(new Set(['overview']));
  const [request, setRequest] = useState<SqlRequest | null>(null);
  const [preset, setPreset] = useState<string | null>(null);

  if (!target.opened || !target.poller) {
    return (
      <div class="target-status">
        {target.error ? (
          <>
            <ErrorBox error={target.error} />
            <button type="button" data-testid="target-retry" onClick={() => void workspace.open(target.key)}>
              Try again
            </button>
          </>
        ) : (
          <div class="dim" data-testid="target-opening">
            Opening {target.key}…
          </div>
        )}
      </div>
    );
  }

  const show = (next: View) => {
    setView(next);
    setSeen((old) => (old.has(next) ? old : new Set([...old, next])));
  };
  const tab = (name: string, label: string, active: boolean, onClick: () => void) => (
    <button key={name} type="button" role="tab" aria-selected={active} class={`tab${active ? ' active' : ''}`} data-testid={`tab-${name}`} onClick={onClick}>
      {label}
    </button>
  );
  const panel = (name: View, content: () => ComponentChildren) =>
    seen.has(name) ? (
      <div class="panel" data-testid={`panel-${name}`} hidden={view !== name}>
        {content()}
      </div>
    ) : null;

  const name = apiTarget(target);
  const opened = target.opened;
  const poller = target.poller;
  return (
    <div class="target-view">
      <nav class="tabs" role="tablist">
        {tab('overview', 'Overview', view === 'overview', () => show('overview'))}
        {tab('sql', 'SQL', view === 'sql' && preset === null, () => {
          setPreset(null);
          show('sql');
        })}
        {PRESETS.map((p) =>
          tab(p.name, p.label, view === 'sql' && preset === p.name, () => {
            setPreset(p.name);
            setRequest((old) => ({ sql: p.sql, seq: (old?.seq ?? 0) + 1 }));
            show('sql');
          }),
        )}
        {tab('stacks', 'Stacks', view === 'stacks', () => show('stacks'))}
        {tab('cpu', 'CPU', view === 'cpu', () => show('cpu'))}
        {tab('heap', 'Heap', view === 'heap', () => show('heap'))}
        {workspace.config.allowEval ? tab('eval', 'Eval & inject', view === 'eval', () => show('eval')) : null}
      </nav>
      {panel('overview', () => <Overview opened={opened} poller={poller} />)}
      {panel('sql', () => <SqlConsole target={name} request={request} />)}
      {panel('stacks', () => <StacksView target={name} pid={opened.pid} onOpenWorker={(key) => void workspace.open(key)} />)}
      {panel('cpu', () => <CpuView target={name} />)}
      {panel('heap', () => <HeapView target={name} workspace={workspace} />)}
      {workspace.config.allowEval ? panel('eval', () => <EvalView target={name} />) : null}
    </div>
  );
}
