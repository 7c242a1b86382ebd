// The smallest long-running program: nothing but a timer that never fires.
console.log(JSON.stringify({ pid: process.pid }));
setInterval(() => {}, 3600_000);
