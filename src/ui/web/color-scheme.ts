/** The page's colours, read from its CSS variables (a canvas needs them as values); a Store that changes with the system's light or dark mode. */
import { Store } from './store.js';

const query = window.matchMedia('(prefers-color-scheme: dark)');

export const colorScheme = new Store<'light' | 'dark'>(query.matches ? 'dark' : 'light');
query.addEventListener('change', () => colorScheme.set(query.matches ? 'dark' : 'light'));

export function cssColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888888';
}
