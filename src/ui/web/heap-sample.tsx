/** Sampled allocations: where the target allocates (still live at the end), as a flame graph and sites. */
import { useState } from 'preact/hooks';
import type { HeapSample } from '../api.js';
import { errorBody, postJson, targetPath, type ErrorBody } from './client.js';
import { Countdown } from './countdown.js';
import { DataTable, type Column } from './data-table.js';
import { ErrorBox } from './error-box.js';
import { Flame } from './flame.js';
import { formatBytes } from './format.js';
import { SecondsInput } from './seconds-input.js';

const bytes = (v: unknown) => formatBytes(v as number);
const COLUMNS: Column[] = [
  { name: 'function' },
  { name: 'url' },
  { name: 'line', numeric: true },
  { name: 'self_bytes', numeric: true, format: bytes },
  { name: 'total_bytes', numeric: true, format: bytes },
];

export function HeapSampleView({ target }: { target: string }) {
  const [seconds, setSeconds] = useState(5);
  const [recording, setRecording] = useState<{ seconds: number; startedAt: number } | null>(null);
  const [sample, setSample] = useState<HeapSample | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);

  const record = async () => {
    setRecording({ seconds, startedAt: Date.now() });
    setError(null);
    try {
      setSample(await postJson<HeapSample>(targetPath(target, 'heap-sample'), { seconds }));
    } catch (e) {
      setError(errorBody(e));
    } finally {
      setRecording(null);
    }
  };

  return (
    <section class="heap-part" data-testid="heap-sample">
      <h3 class="section-title">Allocation sampling</h3>
      <div class="toolbar">
        <SecondsInput value={seconds} onChange={setSeconds} testid="heap-sample-seconds" />
        <button type="button" class="primary" data-testid="heap-sample-run" onClick={() => void record()} disabled={recording !== null}>
          Sample allocations
        </button>
      </div>
      {recording ? <Countdown seconds={recording.seconds} startedAt={recording.startedAt} during="sampling" after="building the flame graph" /> : null}
      <ErrorBox error={error} />
      {sample ? (
        <>
          <Flame src={sample.svgPath} testid="heap-flame" title="Allocation flame graph" />
          <DataTable
            key={sample.svgPath}
            columns={COLUMNS}
            rows={sample.sites.map((s) => [s.function, s.url, s.line, s.self_bytes, s.total_bytes])}
            testid="sites"
            sortBy="self_bytes"
          />
        </>
      ) : null}
    </section>
  );
}
