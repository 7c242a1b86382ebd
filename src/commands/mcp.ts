/**
 * `probing mcp`: serves the probe's tools to an MCP client (an AI assistant) over stdio
 * until the client closes stdin, or a signal comes; whatever is in flight then is
 * abandoned and its target detached before probing leaves. stdout carries the protocol
 * alone: notes go to stderr.
 */
import { ExitCode } from '../errors.js';

export interface McpCommandOptions {
  allowEval?: boolean;
  timeout: number;
  attachTimeout: number;
  extension?: string[];
  outputDir?: string;
}

export async function mcpCommand(options: McpCommandOptions): Promise<number> {
  const [{ createMcpServer }, { StdioServerTransport }, { loadFor }, { onInterrupt }, { packageFile }, { readFile }] = await Promise.all([
    import('../mcp/server.js'),
    import('@modelcontextprotocol/sdk/server/stdio.js'),
    import('./ext.js'),
    import('../run/exit-guard.js'),
    import('../paths.js'),
    import('node:fs/promises'),
  ]);
  const { version } = JSON.parse(await readFile(packageFile('package.json'), 'utf8')) as { version: string };
  const loaded = await loadFor(options.extension, options.timeout);
  const { server, settled } = createMcpServer({
    version,
    allowEval: options.allowEval === true,
    timeoutMs: options.timeout,
    attachTimeoutMs: options.attachTimeout,
    registry: loaded.registry,
    ...(options.outputDir ? { outputDir: options.outputDir } : {}),
  });
  const transport = new StdioServerTransport();
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  // the client went away (stdin ended) or a signal: close, which aborts every call in flight
  process.stdin.once('end', () => stop());
  process.stdin.once('close', () => stop());
  transport.onclose = () => stop();
  const stopListening = onInterrupt(() => stop());
  try {
    await server.connect(transport);
    await stopped;
  } finally {
    stopListening();
    await server.close().catch(() => {});
    // the calls it aborted detach their targets before probing leaves
    await settled();
    loaded.dispose();
  }
  return ExitCode.ok;
}
