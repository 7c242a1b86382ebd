/**
 * Reads the inspector-related Node.js options a process was started with, from
 * its command line and NODE_OPTIONS, so that we know where SIGUSR1 will open the
 * inspector and whether SIGUSR1 is disabled — before sending anything.
 */

export interface InspectorConfig {
  host: string;
  /** 0 means "a random free port". */
  port: number;
  /** Started with --inspect, --inspect-brk or --inspect-wait. */
  openAtStart: boolean;
  /** Started with --disable-sigusr1. */
  sigusr1Disabled: boolean;
  /** Preloads probing's agent (--require or --import of probing-node/agent, or of its file: probing launch, the demo). */
  preloadsAgent: boolean;
}

/**
 * probing's agent as a preload names it: the package's export (probing-node/agent), or its
 * file (dist/agent/index.cjs or .mjs, as a path or a file: URL; a project's own file of that
 * name counts too, which costs a moment's wait at most).
 */
const AGENT_PRELOAD = /^(?:probing-node\/agent|.*[\\/]dist[\\/]agent[\\/]index\.[cm]js)$/;

export const DEFAULT_INSPECTOR_PORT = 9229;

/** Options that take their value as the next argument. */
const TAKES_VALUE = new Set([
  '-r', '--require', '--import', '--loader', '--experimental-loader', '--inspect-port', '--debug-port',
  '--title', '-C', '--conditions', '--input-type', '--env-file', '--redirect-warnings', '--watch-path',
  '--stack-trace-limit', '--max-old-space-size', '--icu-data-dir', '--openssl-config', '--report-dir',
]);
/** Options after which the rest of the command line belongs to the program. */
const ENDS_OPTIONS = new Set(['-e', '--eval', '-p', '--print', '--', '-']);

/** The Node options in argv (after the executable, before the script). */
export function nodeOptionsOf(argv: readonly string[]): string[] {
  const options: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-')) break;
    if (ENDS_OPTIONS.has(arg)) break;
    options.push(arg);
    if (TAKES_VALUE.has(arg) && i + 1 < argv.length) options.push(argv[++i]!);
  }
  return options;
}

function splitNodeOptions(text: string | undefined): string[] {
  if (!text) return [];
  return (text.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []).map((part) => part.replace(/"/g, ''));
}

function parseAddress(value: string, config: InspectorConfig): void {
  const match = /^(?:\[?([^\]]*?)\]?:)?(\d+)$/.exec(value);
  if (!match) return;
  if (match[1]) config.host = match[1];
  config.port = Number(match[2]);
}

export function inspectorConfig(argv: readonly string[], nodeOptionsEnv: string | undefined): InspectorConfig {
  const config: InspectorConfig = {
    host: '127.0.0.1',
    port: DEFAULT_INSPECTOR_PORT,
    openAtStart: false,
    sigusr1Disabled: false,
    preloadsAgent: false,
  };
  // NODE_OPTIONS is applied first; the command line wins.
  const options = [...splitNodeOptions(nodeOptionsEnv), ...nodeOptionsOf(argv)];
  for (let i = 0; i < options.length; i++) {
    const option = options[i]!;
    const [name, inlineValue] = option.includes('=') ? [option.slice(0, option.indexOf('=')), option.slice(option.indexOf('=') + 1)] : [option, undefined];
    switch (name) {
      case '--inspect':
      case '--inspect-brk':
      case '--inspect-wait':
        config.openAtStart = true;
        if (inlineValue !== undefined) parseAddress(inlineValue, config);
        break;
      case '--inspect-port':
      case '--debug-port': {
        const value = inlineValue ?? options[++i];
        if (value !== undefined) parseAddress(value, config);
        break;
      }
      case '--disable-sigusr1':
        config.sigusr1Disabled = true;
        break;
      case '-r':
      case '--require':
      case '--import': {
        const value = inlineValue ?? options[++i];
        if (value !== undefined && AGENT_PRELOAD.test(value)) config.preloadsAgent = true;
        break;
      }
    }
  }
  if (config.host === 'localhost') config.host = '127.0.0.1';
  return config;
}
