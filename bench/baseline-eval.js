// The baseline for `probing <pid> eval "1+1"`: a minimal hand-written inspector
// client doing the same work with none of probing's checks — SIGUSR1, wait for
// 127.0.0.1:9229, connect, Runtime.evaluate, print, close the inspector again.
import { openBareSession } from './bare-client.js';

const pid = Number(process.argv[2]);
const expression = process.argv[3] ?? '1+1';

const { send, close } = await openBareSession(pid);
const { result } = await send('Runtime.evaluate', { expression });
console.log(result.result.description ?? result.result.value);
await close();
