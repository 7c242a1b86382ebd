// A nearly idle target that reports when its inspector closes: it looks at
// inspector.url() every millisecond and prints "closed" on stdout the moment it is
// gone. (When it opens and when a client attaches, Node itself says on stderr.)
const inspector = require('node:inspector');
console.log(JSON.stringify({ pid: process.pid }));
let open = false;
setInterval(() => {
  const now = inspector.url() !== undefined;
  if (open && !now) console.log('closed');
  open = now;
}, 1);
