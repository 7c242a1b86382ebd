// The in-process twin of examples/extensions/js-queue's numbers table, for the benchmark.
export default {
  name: 'innumbers',
  version: '1.0.0',
  description: 'n and n squared, in process',
  namespaces: [
    {
      name: 'innumbers',
      description: 'numbers',
      tables: [
        {
          name: 'numbers',
          description: 'n and n squared, as many rows as asked',
          columns: [
            { name: 'n', type: 'integer', doc: 'a number' },
            { name: 'square', type: 'integer', doc: 'its square' },
          ],
          async generate(ctx) {
            return Array.from({ length: Math.min(ctx.limits.maxRows, 1_000_000) }, (_, n) => ({ n, square: n * n }));
          },
        },
      ],
    },
  ],
};
