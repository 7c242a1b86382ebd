// The SIGUSR1 window: how long an inspector that probing opens with SIGUSR1 listens
// on 127.0.0.1, where any local user who connects first could run code in the target.
// Measured from the target's side: "Debugger listening" (Node, on stderr, as the port
// opens) → "Debugger attached." (the first client is in) → the inspector gone
// (inspector.url() polled every ms in the target). `probing <pid> eval 1+1` against
// a minimal hand-written client doing the least possible (bare-client.js), alternated
// against one target; 20 attaches each by default.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const ROUNDS = Number(process.env.BENCH_WINDOW_ROUNDS ?? 20);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function startWatched() {
  const child = spawn(process.execPath, [here('targets/inspector-watch.cjs')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  const events = [];
  const note = (what) => events.push({ what, at: performance.now() });
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (line.startsWith('Debugger listening')) note('listening');
    else if (line.startsWith('Debugger attached')) note('attached');
  });
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`target exited with ${code}`)));
    lines.once('line', (line) => {
      lines.on('line', (l) => l === 'closed' && note('closed'));
      resolve({ child, pid: JSON.parse(line).pid, events });
    });
  });
}

function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')}: ${code} ${out}`))));
  });
}

/** One attach: the window as the target saw it. */
async function windowOf(target, args) {
  target.events.length = 0;
  await run(args);
  // the "closed" line may trail the client's exit by a poll
  for (let i = 0; i < 200 && !target.events.some((e) => e.what === 'closed'); i++) await new Promise((r) => setTimeout(r, 5));
  const at = (what) => target.events.find((e) => e.what === what)?.at;
  const [listening, attached, closed] = [at('listening'), at('attached'), at('closed')];
  if (listening === undefined || attached === undefined || closed === undefined) throw new Error(`missing events: ${JSON.stringify(target.events)}`);
  return { toAttached: attached - listening, toClosed: closed - listening };
}

export async function benchSigusr1Window() {
  const target = await startWatched();
  try {
    const ours = [here('../bin/probing.js'), String(target.pid), 'eval', '1+1'];
    const bare = [here('baseline-eval.js'), String(target.pid), '1+1'];
    await windowOf(target, ours);
    await windowOf(target, bare);
    const a = [];
    const b = [];
    for (let i = 0; i < ROUNDS; i++) {
      a.push(await windowOf(target, ours));
      b.push(await windowOf(target, bare));
    }
    const line = (label, xs) => {
      const attached = xs.map((x) => x.toAttached);
      const closed = xs.map((x) => x.toClosed);
      console.log(`  ${label}`.padEnd(44) + ` listening → attached median ${median(attached).toFixed(1)} ms (max ${Math.max(...attached).toFixed(1)}), → closed median ${median(closed).toFixed(1)} ms (max ${Math.max(...closed).toFixed(1)})`);
      return median(closed);
    };
    console.log(`\nthe SIGUSR1 window: inspector listening on 127.0.0.1 → closed, as the target saw it; ${ROUNDS} attaches each (eval "1+1")`);
    const p = line('probing <pid> eval 1+1', a);
    const q = line('minimal hand-written client', b);
    console.log(`  ratio probing / baseline ${(p / q).toFixed(2)}  (aim: median < 50 ms; the agent has no window at all)`);
    const others = [
      ['query', 'SELECT * FROM process.memory'],
      ['query', 'SELECT heap_used FROM process.memory WHERE rss > 0'],
    ];
    for (const args of others) {
      const xs = [];
      for (let i = 0; i < Math.ceil(ROUNDS / 2); i++) xs.push(await windowOf(target, [here('../bin/probing.js'), String(target.pid), ...args]));
      const closed = xs.map((x) => x.toClosed);
      console.log(`  probing <pid> ${args[0]} ${JSON.stringify(args[1])}: listening → closed median ${median(closed).toFixed(1)} ms (max ${Math.max(...closed).toFixed(1)}), ${xs.length} attaches`);
    }
  } finally {
    target.child.kill('SIGKILL');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSigusr1Window();
