/** `npm run docs`: writes docs/tables.md from the registry. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultRegistry } from './builtin/index.js';
import { tablesDoc } from './docs.js';

const file = fileURLToPath(new URL('../../docs/tables.md', import.meta.url));
writeFileSync(file, tablesDoc(defaultRegistry()));
process.stdout.write(`wrote ${file}\n`);
