/**
 * A table sortable by clicking its headers (numbers compared as numbers, NULL last),
 * shown a page at a time so that a 100,000-row answer does not stall the page.
 */
import { useMemo, useState } from 'preact/hooks';
import { cellText } from './format.js';

export interface Column {
  name: string;
  /** Compared as numbers and right-aligned. */
  numeric?: boolean;
  /** The cell's text; cellText by default. */
  format?: (value: unknown) => string;
  /** Shown under the name, dim (a type). */
  note?: string;
}

interface Props {
  columns: Column[];
  rows: unknown[][];
  testid: string;
  /** Sorted by this column at first (descending for numbers). */
  sortBy?: string;
  empty?: string;
}

const PAGE = 500;

type Sort = { index: number; descending: boolean } | null;

export function DataTable({ columns, rows, testid, sortBy, empty = 'no rows' }: Props) {
  const initial = sortBy === undefined ? -1 : columns.findIndex((c) => c.name === sortBy);
  const [sort, setSort] = useState<Sort>(initial >= 0 ? { index: initial, descending: Boolean(columns[initial]?.numeric) } : null);
  const [shown, setShown] = useState(PAGE);

  const sorted = useMemo(() => {
    if (!sort) return rows;
    const numeric = Boolean(columns[sort.index]?.numeric);
    const order = rows.map((row, i) => ({ row, i }));
    order.sort((a, b) => {
      const c = compare(a.row[sort.index], b.row[sort.index], numeric, sort.descending);
      return c !== 0 ? c : a.i - b.i;
    });
    return order.map((o) => o.row);
  }, [rows, columns, sort]);

  const headerClick = (index: number) => {
    setSort((old) =>
      old?.index === index ? { index, descending: !old.descending } : { index, descending: Boolean(columns[index]?.numeric) },
    );
  };

  return (
    <div class="table-wrap">
      <table class="data" data-testid={testid} data-rows={rows.length}>
        <thead>
          <tr>
            {columns.map((column, i) => (
              <th
                key={column.name + i}
                class={column.numeric ? 'num' : undefined}
                onClick={() => headerClick(i)}
                title={column.note ? `${column.name} (${column.note}) — click to sort` : 'click to sort'}
                aria-sort={sort?.index === i ? (sort.descending ? 'descending' : 'ascending') : undefined}
              >
                {column.name}
                {sort?.index === i ? <span class="sort-mark">{sort.descending ? ' ▼' : ' ▲'}</span> : null}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.slice(0, shown).map((row, r) => (
            <tr key={r}>
              {columns.map((column, i) => (
                <Cell key={i} value={row[i]} column={column} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <div class="dim table-empty">{empty}</div> : null}
      {rows.length > shown ? (
        <div class="table-more">
          showing {shown.toLocaleString('en-US')} of {rows.length.toLocaleString('en-US')} rows{' '}
          <button type="button" onClick={() => setShown((n) => n + PAGE * 4)}>
            show more
          </button>
        </div>
      ) : null}
    </div>
  );
}

function Cell({ value, column }: { value: unknown; column: Column }) {
  if (value === null || value === undefined) return <td class="null">NULL</td>;
  const text = column.format ? column.format(value) : cellText(value);
  const long = text.length > 120;
  return (
    <td class={column.numeric ? 'num' : undefined} title={long || column.format ? cellText(value) : undefined}>
      {long ? `${text.slice(0, 120)}…` : text}
    </td>
  );
}

function compare(a: unknown, b: unknown, numeric: boolean, descending: boolean): number {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull === bNull ? 0 : aNull ? 1 : -1; // NULL last, either way
  let c: number;
  if (numeric) c = compareNumbers(a, b);
  else {
    const x = cellText(a);
    const y = cellText(b);
    c = x < y ? -1 : x > y ? 1 : 0;
  }
  return descending ? -c : c;
}

// 64-bit integers beyond 2^53 arrive as strings: compared exactly when both are integers.
function compareNumbers(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = toBig(a);
  const y = toBig(b);
  if (x !== null && y !== null) return x < y ? -1 : x > y ? 1 : 0;
  return Number(a) - Number(b) || 0;
}

function toBig(value: unknown): bigint | null {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : null;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  return null;
}
