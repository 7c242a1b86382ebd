// An in-process probing extension (see docs/extensions.md): loaded into the CLI, it
// reads data from the target through the helpers probing passes in.
export default (helpers) => ({
  name: 'appinfo',
  version: '1.0.0',
  apiVersion: 1,
  description: "the target's global variables",
  options: [{ key: 'include_builtins', help: 'also list Node.js built-in globals', default: false }],
  namespaces: [
    {
      name: 'app',
      description: "the application's globals",
      tables: [
        {
          name: 'globals',
          description: 'one row per global variable of the target',
          columns: [
            { name: 'name', type: 'string', doc: 'the global name' },
            { name: 'type', type: 'string', doc: 'typeof its value' },
          ],
          async generate(ctx) {
            const names = await helpers.evaluate(ctx.attachment, `Object.keys(globalThis).map((name) => ({ name, type: typeof globalThis[name] }))`);
            const builtins = new Set(['global', 'clearImmediate', 'setImmediate', 'clearInterval', 'clearTimeout', 'setInterval', 'setTimeout', 'queueMicrotask', 'structuredClone', 'atob', 'btoa', 'performance', 'fetch', 'crypto', 'navigator']);
            ctx.extension.state.increment('queries');
            return ctx.extension.options.include_builtins ? names : names.filter((g) => !builtins.has(g.name));
          },
        },
      ],
    },
  ],
  calls: [
    {
      name: 'queries',
      description: 'how many times app.globals was read (kept in the extension state)',
      async invoke(ctx) {
        return { queries: ctx.extension.state.get('queries') ?? 0 };
      },
    },
  ],
});
