/** The `v8` namespace: the JavaScript engine's heap. */
import type { Namespace } from '../contract.js';
import * as snippets from '../../target/tables.js';
import { snippetTable } from './snippet-table.js';

const ns = 'v8';
const bytes = (name: string, doc: string) => ({ name, type: 'integer' as const, doc: `${doc}, bytes` });

export const v8Namespace: Namespace = {
  name: ns,
  description: 'the V8 heap: spaces, totals, code',
  tables: [
    snippetTable({
      namespace: ns,
      name: 'heap_spaces',
      description: 'one row per V8 heap space (v8.getHeapSpaceStatistics())',
      snippet: snippets.v8HeapSpaces,
      columns: [
        { name: 'space', type: 'string', doc: 'space name: new_space, old_space, code_space, large_object_space, …' },
        bytes('size', 'space size'),
        bytes('used', 'used'),
        bytes('available', 'available'),
        bytes('physical', 'physically committed'),
      ],
    }),
    snippetTable({
      namespace: ns,
      name: 'heap_statistics',
      description: 'one row: v8.getHeapStatistics()',
      snippet: snippets.v8HeapStatistics,
      columns: [
        bytes('total_heap_size', 'heap reserved'),
        bytes('total_heap_size_executable', 'executable heap reserved'),
        bytes('total_physical_size', 'heap physically committed'),
        bytes('total_available_size', 'heap still available'),
        bytes('used_heap_size', 'heap in use'),
        bytes('heap_size_limit', 'heap limit (--max-old-space-size)'),
        bytes('malloced_memory', 'memory V8 got from malloc'),
        bytes('peak_malloced_memory', 'most malloc memory at once'),
        { name: 'does_zap_garbage', type: 'integer', doc: '1 when V8 overwrites freed memory (--zap-code-space)' },
        { name: 'number_of_native_contexts', type: 'integer', doc: 'top-level contexts alive; growing means a leak' },
        { name: 'number_of_detached_contexts', type: 'integer', doc: 'contexts detached but not collected; non-zero often means a leak' },
        bytes('total_global_handles_size', 'global handles reserved'),
        bytes('used_global_handles_size', 'global handles in use'),
        bytes('external_memory', 'external memory V8 knows about'),
      ],
    }),
    snippetTable({
      namespace: ns,
      name: 'heap_code_statistics',
      description: 'one row: v8.getHeapCodeStatistics()',
      snippet: snippets.v8HeapCodeStatistics,
      columns: [
        bytes('code_and_metadata_size', 'compiled code and its metadata'),
        bytes('bytecode_and_metadata_size', 'bytecode and its metadata'),
        bytes('external_script_source_size', 'script source held outside the heap'),
        bytes('cpu_profiler_metadata_size', 'CPU profiler metadata'),
      ],
    }),
  ],
};
