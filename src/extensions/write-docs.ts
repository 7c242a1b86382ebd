/** `npm run docs`: writes docs/tables.md from the registry. */
import { writeFileSync } from 'node:fs';
import { defaultRegistry } from './builtin/index.js';
import { tablesDoc } from './docs.js';
import { packageFile } from '../paths.js';

const file = packageFile('docs/tables.md');
writeFileSync(file, tablesDoc(defaultRegistry()));
process.stdout.write(`wrote ${file}\n`);
