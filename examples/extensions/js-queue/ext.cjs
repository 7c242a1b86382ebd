// An out-of-process probing extension in plain JavaScript (see docs/extensions.md).
// It speaks newline-delimited JSON on stdin/stdout; it logs only to stderr.
const readline = require('node:readline');

const description = {
  name: 'jsqueue',
  version: '1.0.0',
  description: "a job queue's backlog, and the target's own view",
  namespaces: [
    {
      name: 'jsqueue',
      tables: [
        { name: 'jobs', description: 'jobs in the queue', columns: [
          { name: 'id', type: 'integer', doc: 'job id' },
          { name: 'state', type: 'string', doc: 'waiting, running or failed' },
          { name: 'attempts', type: 'integer', doc: 'attempts so far' },
        ] },
        { name: 'target', description: 'what the target says about itself (asked through the CLI)', columns: [
          { name: 'pid', type: 'integer', doc: "the target's pid" },
          { name: 'uptime_s', type: 'float', doc: "the target's uptime" },
        ] },
        { name: 'numbers', description: 'n and n squared, as many rows as asked (for benchmarks)', columns: [
          { name: 'n', type: 'integer', doc: 'a number' },
          { name: 'square', type: 'integer', doc: 'its square' },
        ] },
      ],
    },
  ],
  options: [{ key: 'jobs', help: 'how many jobs the queue holds', default: 5 }],
  calls: [{ name: 'stats', description: 'counts of jobs by state', params: {} }, { name: 'retry', description: 'retries a job', params: { id: 'the job id' } }],
};

const jobs = (count) => Array.from({ length: count }, (_, i) => ({ id: i + 1, state: ['waiting', 'running', 'failed'][i % 3], attempts: i % 4 }));

let nextId = 1;
const waiting = new Map();
const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');
/** Asks the CLI to evaluate an expression in the target; resolves with its value. */
const evaluate = (expression) =>
  new Promise((resolve, reject) => {
    const id = `ext-${nextId++}`;
    waiting.set(id, { resolve, reject });
    send({ id, method: 'evaluate', params: { expression } });
  });

async function answer(method, params) {
  switch (method) {
    case 'describe':
      return description;
    case 'rows':
      if (params.table === 'jobs') return { rows: jobs(Number(params.options.jobs)) };
      if (params.table === 'target') return { rows: [await evaluate('({ pid: process.pid, uptime_s: process.uptime() })')] };
      if (params.table === 'numbers') return { rows: Array.from({ length: Math.min(params.maxRows, 1_000_000) }, (_, n) => ({ n, square: n * n })) };
      throw new Error(`no table ${params.table}`);
    case 'call':
      if (params.name === 'stats') {
        const counts = {};
        for (const job of jobs(Number(params.options.jobs))) counts[job.state] = (counts[job.state] ?? 0) + 1;
        return counts;
      }
      if (params.name === 'retry') return { retried: Number(params.args.id), target: await evaluate('process.pid') };
      throw new Error(`no call ${params.name}`);
    default:
      throw new Error(`unknown method ${method}`);
  }
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  if (waiting.has(message.id)) {
    const { resolve, reject } = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error) reject(new Error(message.error.message));
    else resolve(message.result);
    return;
  }
  answer(message.method, message.params ?? {}).then(
    (result) => send({ id: message.id, result }),
    (error) => send({ id: message.id, error: { message: error.message } }),
  );
});
