/** The `process` namespace: the target process as Node.js sees itself. */
import type { Namespace } from '../contract.js';
import * as snippets from '../../target/tables.js';
import { snippetTable } from './snippet-table.js';
import { secretMasker } from '../../target/secrets.js';


const ns = 'process';

export const processNamespace: Namespace = {
  name: ns,
  description: 'the target process: identity, environment, memory, CPU, resources, handles, versions',
  tables: [
    snippetTable({
      namespace: ns,
      name: 'info',
      description: 'one row: who the process is and how it was started',
      snippet: snippets.processInfo as unknown as (load: (id: string) => unknown) => unknown[],
      // --password=…, --token …, URL passwords: masked in the target unless --show-secrets
      args: (ctx) => [ctx.flags.showSecrets, secretMasker],
      columns: [
        { name: 'pid', type: 'integer', doc: 'process id (inside its own PID namespace)' },
        { name: 'ppid', type: 'integer', doc: 'parent process id' },
        { name: 'title', type: 'string', doc: 'process.title' },
        { name: 'argv', type: 'json', doc: 'process.argv, as a JSON array' },
        { name: 'exec_argv', type: 'json', doc: 'Node.js options on the command line (process.execArgv)' },
        { name: 'cwd', type: 'string', doc: 'working directory' },
        { name: 'node_version', type: 'string', doc: 'Node.js version' },
        { name: 'v8_version', type: 'string', doc: 'V8 version' },
        { name: 'platform', type: 'string', doc: 'operating system platform (linux, darwin, win32, …)' },
        { name: 'arch', type: 'string', doc: 'CPU architecture' },
        { name: 'uptime_s', type: 'float', doc: 'seconds since the process started' },
        { name: 'uid', type: 'integer', doc: 'user id (NULL where the platform has none)' },
        { name: 'gid', type: 'integer', doc: 'group id (NULL where the platform has none)' },
        { name: 'module_system', type: 'string', doc: "'commonjs' when the entry point was loaded by require (process.mainModule is set), 'esm' otherwise, 'none' without an entry script" },
        { name: 'entry', type: 'string', doc: 'the entry script (process.argv[1])' },
      ],
    }),
    snippetTable({
      namespace: ns,
      name: 'env',
      description: 'environment variables; the values of names that look secret (TOKEN, PASSWORD, PASS, PWD, KEY, PAT, SK, WEBHOOK, SALT, PEM, CERT… as a name or a part of one), and credentials inside any value (URL passwords, Bearer/Basic tokens), are masked in the target before anything is sent, unless --show-secrets is given',
      snippet: snippets.processEnv as unknown as (load: (id: string) => unknown) => unknown[],
      args: (ctx) => [ctx.flags.showSecrets, secretMasker],
      columns: [
        { name: 'name', type: 'string', doc: 'variable name' },
        { name: 'value', type: 'string', doc: "value, or '********' when masked" },
        { name: 'masked', type: 'boolean', doc: 'true when the value was masked' },
      ],
    }),
    snippetTable({
      namespace: ns,
      name: 'memory',
      description: 'one row: process.memoryUsage(), in bytes',
      snippet: snippets.processMemory,
      columns: [
        { name: 'rss', type: 'integer', doc: 'resident set size' },
        { name: 'heap_total', type: 'integer', doc: 'V8 heap reserved' },
        { name: 'heap_used', type: 'integer', doc: 'V8 heap in use' },
        { name: 'external', type: 'integer', doc: 'memory of C++ objects bound to JavaScript objects' },
        { name: 'array_buffers', type: 'integer', doc: 'memory of ArrayBuffers and SharedArrayBuffers (included in external)' },
      ],
    }),
    snippetTable({
      namespace: ns,
      name: 'resource_usage',
      description: 'one row: process.resourceUsage() (getrusage)',
      snippet: snippets.processResourceUsage,
      columns: [
        { name: 'user_cpu_us', type: 'integer', doc: 'CPU time in user mode, microseconds' },
        { name: 'system_cpu_us', type: 'integer', doc: 'CPU time in kernel mode, microseconds' },
        { name: 'max_rss_kb', type: 'integer', doc: 'largest resident set size, kilobytes' },
        { name: 'minor_page_faults', type: 'integer', doc: 'page faults served without I/O' },
        { name: 'major_page_faults', type: 'integer', doc: 'page faults that needed I/O' },
        { name: 'voluntary_context_switches', type: 'integer', doc: 'switches because the process waited' },
        { name: 'involuntary_context_switches', type: 'integer', doc: 'switches because its time slice ran out' },
        { name: 'fs_reads', type: 'integer', doc: 'file system reads' },
        { name: 'fs_writes', type: 'integer', doc: 'file system writes' },
        { name: 'signals', type: 'integer', doc: 'signals received' },
      ],
    }),
    snippetTable({
      namespace: ns,
      name: 'resources',
      description: 'active resources that keep the event loop alive, by type (process.getActiveResourcesInfo())',
      snippet: snippets.processResources,
      columns: [
        { name: 'type', type: 'string', doc: 'resource type: TCPServerWrap, TCPSocketWrap, Timeout, FSReqCallback, …' },
        { name: 'count', type: 'integer', doc: 'how many are active' },
      ],
    }),
    snippetTable({
      namespace: ns,
      name: 'handles',
      description: 'libuv handles, from the diagnostic report (taken without its slow network-interface lookup)',
      snippet: snippets.processHandles,
      columns: [
        { name: 'type', type: 'string', doc: 'handle type: tcp, udp, timer, pipe, tty, signal, async, …' },
        { name: 'active', type: 'boolean', doc: 'the handle is active' },
        { name: 'referenced', type: 'boolean', doc: 'the handle keeps the event loop alive' },
        { name: 'fd', type: 'integer', doc: 'file descriptor, where it has one' },
        { name: 'local_address', type: 'string', doc: 'local IP address of a socket or server' },
        { name: 'local_port', type: 'integer', doc: 'local port of a socket or server' },
        { name: 'remote_address', type: 'string', doc: 'peer IP address of a connected socket' },
        { name: 'remote_port', type: 'integer', doc: 'peer port of a connected socket' },
        { name: 'handle', type: 'string', doc: 'address of the libuv handle' },
        { name: 'details', type: 'json', doc: 'everything else the report says about the handle' },
      ],
    }),
    {
      name: 'workers',
      description: "the process's worker threads, as its inspector lists them; query one with the target <pid>/w<worker>",
      columns: [
        { name: 'worker', type: 'string', doc: 'w<threadId>: add /w<threadId> to the target to eval or query inside it (4242/w1)' },
        { name: 'thread_id', type: 'integer', doc: 'its threadId' },
        { name: 'title', type: 'string', doc: 'its title (the name given to the Worker, if any)' },
        { name: 'url', type: 'string', doc: 'the file (or the eval marker) it runs' },
        { name: 'type', type: 'string', doc: 'the kind of target (worker)' },
      ],
      async generate(ctx) {
        const [{ listWorkers, releaseWorkers, threadIdOf, workerName }, { conform }, { tableFromRows }] = await Promise.all([
          import('../../attach/worker-transport.js'),
          import('../../tables/from-payload.js'),
          import('../../tables/from-rows.js'),
        ]);
        const session = ctx.attachment.session;
        const workers = await listWorkers(session);
        await releaseWorkers(session, workers);
        const rows = workers.map((w) => ({ worker: workerName(w.workerInfo), thread_id: threadIdOf(w.workerInfo) ?? null, title: w.workerInfo.title, url: w.workerInfo.url, type: w.workerInfo.type }));
        return { table: conform(tableFromRows(rows), this.columns!) };
      },
    },
    {
      name: 'stack',
      description:
        'the JavaScript stack of the main thread now, innermost frame first; no rows when it is idle in the event loop (probing <target> backtrace prints it). ' +
        'Frames of transpiled code are at their original file and line where a source map covers them (generated_* says where V8 ran them).',
      columns: [
        { name: 'depth', type: 'integer', doc: '0 for the innermost frame' },
        { name: 'function', type: 'string', doc: 'function name (<anonymous> if none)' },
        { name: 'file', type: 'string', doc: 'script path or URL (NULL for native frames); the original source where a source map covers the frame' },
        { name: 'line', type: 'integer', doc: 'line, from 1' },
        { name: 'column', type: 'integer', doc: 'column, from 1' },
        { name: 'async', type: 'boolean', doc: 'an async frame (an await further out)' },
        { name: 'native', type: 'boolean', doc: "Node.js's own code (node:…) or native" },
        { name: 'generated_file', type: 'string', doc: 'the script V8 ran, where file is the original source through a source map (NULL otherwise)' },
        { name: 'generated_line', type: 'integer', doc: 'the line in that script' },
        { name: 'generated_column', type: 'integer', doc: 'the column in that script' },
      ],
      async generate(ctx) {
        const [{ backtrace }, { conform }, { tableFromRows }] = await Promise.all([
          import('../../diagnostics/backtrace.js'),
          import('../../tables/from-payload.js'),
          import('../../tables/from-rows.js'),
        ]);
        // the stack is at most 200 frames: read whole, and mapped in the CLI like backtrace's
        const { trace } = await backtrace(ctx.attachment, ctx.limits.timeoutMs);
        const rows = trace.frames.map(({ generated, ...frame }, depth) => ({
          depth,
          ...frame,
          generated_file: generated?.file ?? null,
          generated_line: generated?.line ?? null,
          generated_column: generated?.column ?? null,
        }));
        return { table: conform(tableFromRows(rows), this.columns!) };
      },
    },
    snippetTable({
      namespace: ns,
      name: 'versions',
      description: 'versions of Node.js and its components (process.versions)',
      snippet: snippets.processVersions,
      columns: [
        { name: 'component', type: 'string', doc: 'node, v8, uv, openssl, …' },
        { name: 'version', type: 'string', doc: 'its version' },
      ],
    }),
  ],
};
