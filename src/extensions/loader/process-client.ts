/**
 * The CLI's side of the out-of-process protocol (docs/extensions.md): newline-
 * delimited JSON over the program's stdin/stdout. Requests carry an id; the program
 * answers each with the same id. While answering, it may ask the CLI to evaluate an
 * expression in the target ({"id": "…", "method": "evaluate", ...}). A crash,
 * garbage on stdout or no answer in time is an error naming the extension; the
 * program is then stopped and the CLI carries on. Its stdout is read as bytes and
 * cut off at the limits of limits.ts (one message, everything it writes), so a
 * program that writes without end costs the CLI about one message of memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ExitCode, ProbingError } from '../../errors.js';
import { formatSize, raiseHint, type ExtensionLimits } from './limits.js';

export class ExtensionFailure extends ProbingError {
  override readonly exitCode = ExitCode.extension;
}

export interface RequestOptions {
  timeoutMs: number;
  /** Answers the program's own requests (evaluate in the target). */
  onRequest?: (method: string, params: unknown) => Promise<unknown>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class ProcessClient {
  readonly #name: string;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #stderr = '';
  #failure: Error | undefined;
  #onRequest: RequestOptions['onRequest'];
  readonly #limits: Pick<ExtensionLimits, 'message_bytes' | 'output_bytes'>;
  /** The line being received, in the chunks it came in. */
  #partial: Buffer[] = [];
  #partialBytes = 0;
  #received = 0;

  constructor(name: string, command: readonly string[], cwd: string, env: NodeJS.ProcessEnv, limits: Pick<ExtensionLimits, 'message_bytes' | 'output_bytes'>) {
    this.#name = name;
    this.#limits = limits;
    const [program, ...args] = command;
    this.#child = spawn(program!, args, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-2000);
    });
    this.#child.on('error', (error) => this.#fail(`could not be started (${error.message})`, 'check the command in its manifest'));
    this.#child.on('exit', (code, signal) => {
      // the line that names the error says more than the end of a stack trace
      const lines = this.#stderr.split('\n').map((l) => l.trim()).filter(Boolean);
      const said = lines.find((l) => /\b\w*(Error|Exception)\b/.test(l)) ?? lines.at(-1);
      this.#fail(`exited (${signal ?? `status ${code}`})${said ? `: ${said}` : ''}`, 'run the extension on its own to see what goes wrong');
    });
    this.#child.stdin!.on('error', () => {});
    this.#child.stdout!.on('data', (chunk: Buffer) => this.#data(chunk));
  }

  /** Splits stdout into lines without ever holding more than one message's worth. */
  #data(chunk: Buffer): void {
    if (this.#failure) return;
    this.#received += chunk.length;
    if (this.#received > this.#limits.output_bytes) {
      this.#tooMuch('output_bytes', `wrote more than ${formatSize(this.#limits.output_bytes)} to stdout in one command`);
      return;
    }
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1 && !this.#failure; newline = chunk.indexOf(10, start)) {
      const tail = chunk.subarray(start, newline);
      const line = this.#partial.length === 0 ? tail : Buffer.concat([...this.#partial, tail], this.#partialBytes + tail.length);
      this.#partial = [];
      this.#partialBytes = 0;
      start = newline + 1;
      if (line.length > this.#limits.message_bytes) {
        this.#tooMuch('message_bytes', `wrote a message of ${formatSize(line.length)}, more than the ${formatSize(this.#limits.message_bytes)} one message may be`);
        return;
      }
      this.#receive(line.toString('utf8'));
    }
    if (this.#failure || start === chunk.length) return;
    const rest = chunk.subarray(start);
    this.#partial.push(rest);
    this.#partialBytes += rest.length;
    if (this.#partialBytes > this.#limits.message_bytes) {
      this.#tooMuch('message_bytes', `wrote more than ${formatSize(this.#limits.message_bytes)} without ending the message (no newline)`);
    }
  }

  #tooMuch(key: 'message_bytes' | 'output_bytes', what: string): void {
    this.#partial = [];
    this.#partialBytes = 0;
    this.#fail(`${what} and was stopped`, raiseHint(this.#name, key, this.#limits[key]));
  }

  #fail(what: string, hint: string): void {
    if (this.#failure) return;
    this.#failure = new ExtensionFailure('EXTENSION_FAILED', `extension ${this.#name} ${what}`, { hint });
    for (const pending of this.#pending.values()) pending.reject(this.#failure);
    this.#pending.clear();
    this.stop();
  }

  #receive(line: string): void {
    if (line.trim() === '') return;
    let message: { id?: unknown; result?: unknown; error?: { message?: string }; method?: string; params?: unknown };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      this.#fail(`wrote something that is not JSON: ${JSON.stringify(line.slice(0, 120))}`, 'an extension writes only protocol messages to stdout; log to stderr');
      return;
    }
    if (typeof message.method === 'string') {
      // The program asks something of the CLI.
      const handler = this.#onRequest;
      const reply = (payload: object) => this.#send({ id: message.id, ...payload });
      if (!handler) reply({ error: { message: `${message.method} is only possible while answering a request about a target` } });
      else handler(message.method, message.params).then((result) => reply({ result: result ?? null }), (error: Error) => reply({ error: { message: error.message } }));
      return;
    }
    const pending = typeof message.id === 'number' ? this.#pending.get(message.id) : undefined;
    if (!pending) {
      this.#fail(`answered a request it was not asked (id ${JSON.stringify(message.id)})`, 'answer each request once, with its id');
      return;
    }
    this.#pending.delete(message.id as number);
    if (message.error) pending.reject(new ExtensionFailure('EXTENSION_ERROR', `extension ${this.#name}: ${message.error.message ?? 'error'}`));
    else pending.resolve(message.result);
  }

  #send(message: object): void {
    this.#child.stdin!.write(JSON.stringify(message, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');
  }

  request<T>(method: string, params: object, options: RequestOptions): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure);
    this.#onRequest = options.onRequest;
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        this.#fail(`did not answer ${method} within ${options.timeoutMs} ms and was stopped`, 'raise --timeout, or fix the extension');
        reject(this.#failure);
      }, options.timeoutMs);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#send({ id, method, params });
    });
  }

  stop(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    this.#child.stdin?.destroy();
    this.#child.stdout?.destroy();
    this.#child.stderr?.destroy();
  }
}
