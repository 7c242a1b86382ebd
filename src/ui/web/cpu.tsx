/** CPU profile: record for some seconds, then the flame graph and the functions that took the time. */
import { useState } from 'preact/hooks';
import type { Profile } from '../api.js';
import { errorBody, postJson, targetPath, type ErrorBody } from './client.js';
import { Countdown } from './countdown.js';
import { DataTable, type Column } from './data-table.js';
import { ErrorBox } from './error-box.js';
import { Flame } from './flame.js';
import { formatMs } from './format.js';
import { SecondsInput } from './seconds-input.js';

const COLUMNS: Column[] = [
  { name: 'function' },
  { name: 'url' },
  { name: 'line', numeric: true },
  { name: 'self_ms', numeric: true, format: (v) => formatMs(v as number) },
  { name: 'total_ms', numeric: true, format: (v) => formatMs(v as number) },
  { name: 'samples', numeric: true },
];

export function CpuView({ target }: { target: string }) {
  const [seconds, setSeconds] = useState(5);
  const [recording, setRecording] = useState<{ seconds: number; startedAt: number } | null>(null);
  const [profile, setProfile] = useState<Profile | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);

  const record = async () => {
    setRecording({ seconds, startedAt: Date.now() });
    setError(null);
    try {
      setProfile(await postJson<Profile>(targetPath(target, 'profile'), { seconds }));
    } catch (e) {
      setError(errorBody(e));
    } finally {
      setRecording(null);
    }
  };

  return (
    <div class="cpu" data-testid="cpu">
      <div class="toolbar">
        <SecondsInput value={seconds} onChange={setSeconds} testid="cpu-seconds" />
        <button type="button" class="primary" data-testid="cpu-record" onClick={() => void record()} disabled={recording !== null}>
          Record
        </button>
        {profile && !recording ? (
          <span class="dim" data-testid="cpu-summary">
            {profile.samples.toLocaleString('en-US')} samples over {formatMs(profile.duration_ms)}
          </span>
        ) : null}
      </div>
      {recording ? <Countdown seconds={recording.seconds} startedAt={recording.startedAt} after="building the flame graph" /> : null}
      <ErrorBox error={error} />
      {profile ? (
        <>
          <Flame src={profile.svgPath} testid="flame" title="CPU flame graph" />
          <h3 class="section-title">Functions</h3>
          <DataTable
            key={profile.svgPath}
            columns={COLUMNS}
            rows={profile.functions.map((f) => [f.function, f.url, f.line, f.self_ms, f.total_ms, f.samples])}
            testid="functions"
            sortBy="self_ms"
          />
        </>
      ) : null}
    </div>
  );
}
