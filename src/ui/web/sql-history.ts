/** The queries run from this page, newest first, kept in localStorage (the last 50). */
const KEY = 'probing-ui:sql-history';
const KEEP = 50;

export function readHistory(): string[] {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

/** Puts the query first (once) and returns the new list. */
export function remember(sql: string): string[] {
  const text = sql.trim();
  const list = [text, ...readHistory().filter((q) => q !== text)].slice(0, KEEP);
  try {
    localStorage.setItem(KEY, JSON.stringify(list));
  } catch {
    // storage full or refused: the list lives until the page reloads
  }
  return list;
}
