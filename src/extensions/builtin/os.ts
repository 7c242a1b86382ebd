/** The `os` namespace: the host the target runs on, as the target sees it. */
import type { Namespace } from '../contract.js';
import * as snippets from '../../target/tables.js';
import { snippetTable } from './snippet-table.js';

const ns = 'os';

export const osNamespace: Namespace = {
  name: ns,
  description: "the target's host: name, load, memory, CPUs",
  tables: [
    snippetTable({
      namespace: ns,
      name: 'info',
      description: 'one row about the host',
      snippet: snippets.osInfo,
      columns: [
        { name: 'hostname', type: 'string', doc: 'host name' },
        { name: 'type', type: 'string', doc: 'operating system name (Linux, Darwin, Windows_NT)' },
        { name: 'platform', type: 'string', doc: 'platform (linux, darwin, win32)' },
        { name: 'release', type: 'string', doc: 'kernel release' },
        { name: 'arch', type: 'string', doc: 'CPU architecture' },
        { name: 'uptime_s', type: 'float', doc: 'seconds since the host booted' },
        { name: 'load_1m', type: 'float', doc: 'load average over 1 minute (0 on Windows)' },
        { name: 'load_5m', type: 'float', doc: 'load average over 5 minutes' },
        { name: 'load_15m', type: 'float', doc: 'load average over 15 minutes' },
        { name: 'total_memory', type: 'integer', doc: 'total memory, bytes' },
        { name: 'free_memory', type: 'integer', doc: 'free memory, bytes' },
        { name: 'cpu_count', type: 'integer', doc: 'CPUs available to the process' },
      ],
    }),
    snippetTable({
      namespace: ns,
      name: 'cpus',
      description: 'one row per CPU, with time spent per mode since boot (os.cpus())',
      snippet: snippets.osCpus,
      columns: [
        { name: 'cpu', type: 'integer', doc: 'CPU number' },
        { name: 'model', type: 'string', doc: 'CPU model' },
        { name: 'speed_mhz', type: 'integer', doc: 'speed, MHz' },
        { name: 'user_ms', type: 'integer', doc: 'time in user mode, ms' },
        { name: 'nice_ms', type: 'integer', doc: 'time in user mode at low priority, ms' },
        { name: 'sys_ms', type: 'integer', doc: 'time in kernel mode, ms' },
        { name: 'idle_ms', type: 'integer', doc: 'idle time, ms' },
        { name: 'irq_ms', type: 'integer', doc: 'time serving interrupts, ms' },
      ],
    }),
  ],
};
