// The naive JSON client, the baseline for pulling a large value out of a target:
// SIGUSR1, wait for 127.0.0.1:9229, connect, Runtime.evaluate JSON.stringify(<expression>)
// by value in one message, JSON.parse it here, print how many rows, close the inspector.
import { openBareSession } from './bare-client.js';

const pid = Number(process.argv[2]);
const expression = process.argv[3] ?? 'globalThis.rows';

// ws caps a message at 100 MiB by default; the JSON of 1,000,000 rows is larger
const { send, close } = await openBareSession(pid, { maxPayload: 2 ** 31 - 1 });
const answer = await send('Runtime.evaluate', { expression: `JSON.stringify(${expression})`, returnByValue: true });
if (typeof answer.result?.result?.value !== 'string') {
  console.error(`Runtime.evaluate did not return the JSON: ${JSON.stringify(answer).slice(0, 500)}`);
  process.exit(1);
}
const rows = JSON.parse(answer.result.result.value);
console.log(`rows: ${rows.length}`);
await close();
