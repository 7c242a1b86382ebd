/** How many seconds to record: 1–60 (what is typed outside that is put back on leaving the field). */
export function SecondsInput({ value, onChange, testid }: { value: number; onChange: (n: number) => void; testid: string }) {
  return (
    <label class="seconds">
      <input
        type="number"
        min={1}
        max={60}
        step={1}
        value={value}
        data-testid={testid}
        onInput={(e) => {
          const n = Number(e.currentTarget.value);
          if (Number.isInteger(n) && n >= 1 && n <= 60) onChange(n);
        }}
        onBlur={(e) => {
          e.currentTarget.value = String(value);
        }}
      />{' '}
      s
    </label>
  );
}
