/**
 * Heap snapshots: what one would cost is shown first and taken only on confirmation; each
 * taken this page session is listed (classes, largest objects), and two can be diffed.
 */
import { useState } from 'preact/hooks';
import type { QueryAnswer, Snapshot, SnapshotCost } from '../api.js';
import { errorBody, getJson, postJson, targetPath, type ErrorBody } from './client.js';
import { Countdown } from './countdown.js';
import { DataTable, type Column } from './data-table.js';
import { ErrorBox } from './error-box.js';
import { formatBytes, formatTime } from './format.js';
import { useStore } from './store.js';
import type { Workspace } from './workspace.js';

const bytes = (v: unknown) => (typeof v === 'number' ? formatBytes(v) : String(v));
const CLASS_COLUMNS: Column[] = [
  { name: 'class' },
  { name: 'count', numeric: true },
  { name: 'self_size', numeric: true, format: bytes },
  { name: 'retained_size', numeric: true, format: bytes },
];

type Step =
  | { kind: 'idle' }
  | { kind: 'costing' }
  | { kind: 'asking'; cost: SnapshotCost }
  | { kind: 'taking'; cost: SnapshotCost; startedAt: number };

export function HeapSnapshots({ target, workspace }: { target: string; workspace: Workspace }) {
  const snapshots = useStore(workspace.snapshots);
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [error, setError] = useState<ErrorBody | null>(null);
  const [shownId, setShownId] = useState<string | null>(null);

  const ask = async () => {
    setError(null);
    setStep({ kind: 'costing' });
    try {
      setStep({ kind: 'asking', cost: await getJson<SnapshotCost>(targetPath(target, 'snapshot-cost')) });
    } catch (e) {
      setError(errorBody(e));
      setStep({ kind: 'idle' });
    }
  };

  const take = async (cost: SnapshotCost) => {
    setStep({ kind: 'taking', cost, startedAt: Date.now() });
    try {
      const snapshot = await postJson<Snapshot>(targetPath(target, 'heap-snapshot'), { confirm: true });
      workspace.snapshots.update((list) => [...list, snapshot]);
      setShownId(snapshot.id);
    } catch (e) {
      setError(errorBody(e));
    } finally {
      setStep({ kind: 'idle' });
    }
  };

  const shown = snapshots.find((s) => s.id === shownId) ?? snapshots.filter((s) => s.target === target).at(-1);

  return (
    <section class="heap-part" data-testid="heap-snapshots">
      <h3 class="section-title">Snapshots</h3>
      <div class="toolbar">
        <button type="button" class="primary" data-testid="snapshot-take" onClick={() => void ask()} disabled={step.kind !== 'idle'}>
          {step.kind === 'costing' ? 'Estimating…' : 'Take snapshot'}
        </button>
      </div>
      {step.kind === 'asking' && step.cost.refused ? (
        <div class="error-box" data-testid="snapshot-refused">
          <div class="error-message">{step.cost.refused}</div>
          <button type="button" onClick={() => setStep({ kind: 'idle' })}>
            OK
          </button>
        </div>
      ) : null}
      {step.kind === 'asking' && !step.cost.refused ? (
        <div class="confirm" data-testid="snapshot-warning">
          <div>{step.cost.warning}</div>
          <div class="confirm-buttons">
            <button type="button" class="danger" data-testid="snapshot-confirm" onClick={() => void take(step.cost)}>
              Take it
            </button>
            <button type="button" data-testid="snapshot-cancel" onClick={() => setStep({ kind: 'idle' })}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {step.kind === 'taking' ? (
        <Countdown seconds={Math.max(1, Math.ceil(step.cost.seconds))} startedAt={step.startedAt} during="taking the snapshot (the target is paused)" after="still reading it" />
      ) : null}
      <ErrorBox error={error} />
      {snapshots.length > 0 ? <SnapshotList snapshots={snapshots} shown={shown?.id ?? null} onShow={setShownId} /> : null}
      {snapshots.length > 1 ? <Diff snapshots={snapshots} /> : null}
      {shown ? <SnapshotTables key={shown.id} snapshot={shown} /> : null}
    </section>
  );
}

function SnapshotList({ snapshots, shown, onShow }: { snapshots: Snapshot[]; shown: string | null; onShow: (id: string) => void }) {
  return (
    <ul class="snapshot-list" data-testid="snapshots">
      {snapshots.map((s) => (
        <li key={s.id} data-testid={`snapshot-${s.id}`} class={s.id === shown ? 'selected' : undefined} onClick={() => onShow(s.id)}>
          <span class="snapshot-id">{s.id}</span> <span class="dim">{s.target}</span> {formatTime(s.takenAt)} · {s.nodeCount.toLocaleString('en-US')} nodes ·{' '}
          {formatBytes(s.totalSize)}
        </li>
      ))}
    </ul>
  );
}

function SnapshotTables({ snapshot }: { snapshot: Snapshot }) {
  const objectColumns = [...new Set(snapshot.objects.flatMap((o) => Object.keys(o)))];
  const columns: Column[] = objectColumns.map((name) => {
    const numeric = snapshot.objects.every((o) => o[name] === null || o[name] === undefined || typeof o[name] === 'number');
    return { name, numeric, format: numeric && /size|bytes/.test(name) ? bytes : undefined };
  });
  return (
    <>
      <h4 class="sub-title">Classes in {snapshot.id}</h4>
      <DataTable
        columns={CLASS_COLUMNS}
        rows={snapshot.classes.map((c) => [c.class, c.count, c.self_size, c.retained_size])}
        testid="classes"
        sortBy="retained_size"
      />
      <h4 class="sub-title">Largest objects</h4>
      <DataTable columns={columns} rows={snapshot.objects.map((o) => objectColumns.map((name) => o[name]))} testid="objects" />
    </>
  );
}

function Diff({ snapshots }: { snapshots: Snapshot[] }) {
  const [before, setBefore] = useState(snapshots.at(-2)?.id ?? '');
  const [after, setAfter] = useState(snapshots.at(-1)?.id ?? '');
  const [answer, setAnswer] = useState<QueryAnswer | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [running, setRunning] = useState(false);

  const run = async () => {
    setRunning(true);
    setError(null);
    try {
      setAnswer(await postJson<QueryAnswer>('api/heap-diff', { before, after }));
    } catch (e) {
      setError(errorBody(e));
      setAnswer(null);
    } finally {
      setRunning(false);
    }
  };

  const pick = (value: string, set: (id: string) => void, testid: string) => (
    <select value={value} data-testid={testid} onChange={(e) => set(e.currentTarget.value)}>
      {snapshots.map((s) => (
        <option key={s.id} value={s.id}>
          {s.id} ({s.target}, {formatTime(s.takenAt)})
        </option>
      ))}
    </select>
  );

  return (
    <div class="diff" data-testid="diff-form">
      <div class="toolbar">
        <span>Diff</span>
        {pick(before, setBefore, 'diff-before')}
        <span>→</span>
        {pick(after, setAfter, 'diff-after')}
        <button type="button" data-testid="diff-run" onClick={() => void run()} disabled={running || !before || !after || before === after}>
          {running ? 'Comparing…' : 'Compare'}
        </button>
      </div>
      <ErrorBox error={error} />
      {answer ? (
        <DataTable
          key={`${before}:${after}:${answer.ms}`}
          columns={answer.columns.map((c) => ({ name: c.name, note: c.type, numeric: /int|float|double|decimal/i.test(c.type), format: /size|bytes/.test(c.name) ? bytes : undefined }))}
          rows={answer.rows}
          testid="diff"
        />
      ) : null}
    </div>
  );
}
