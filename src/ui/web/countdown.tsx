/** While a recording runs on the server: a bar and the seconds left, then what it waits for. */
import { useEffect, useState } from 'preact/hooks';

interface Props {
  seconds: number;
  startedAt: number;
  /** What happens during the seconds (recording), then after them (building the flame graph). */
  during?: string;
  after: string;
}

export function Countdown({ seconds, startedAt, during = 'recording', after }: Props) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 200);
    return () => clearInterval(timer);
  }, []);
  const elapsed = (now - startedAt) / 1000;
  const left = Math.max(0, Math.ceil(seconds - elapsed));
  return (
    <div class="countdown" data-testid="progress" data-left={left}>
      <progress max={seconds} value={Math.min(seconds, elapsed)} />
      <span>{left > 0 ? `${during}… ${left} s left` : `${after} (${Math.floor(elapsed - seconds)} s)`}</span>
    </div>
  );
}
