/**
 * A profile's tree in the formats other tools read: folded stacks ("collapsed", for
 * flamegraph.pl, inferno, speedscope) and speedscope's own JSON. Both are written from the
 * same tree as the flame graph, with the same frames left out (idle, program and GC unless
 * asked for).
 */
import type { FlameNode } from './flamegraph.js';
import { codeOnly } from './flamegraph.js';

export interface ExportOptions {
  /** Keep (idle), (program) and (garbage collector). */
  idle?: boolean;
}

/** A frame as one name: "function (file:line)"; a ; (the separator) never appears in it. */
function frameName(node: FlameNode): string {
  return (node.detail ? `${node.name} (${node.detail})` : node.name).replace(/;/g, ':');
}

/** Every stack with weight of its own, outermost frame first (the root, "all", is not a frame). */
function* ownStacks(root: FlameNode, options: ExportOptions): Generator<[FlameNode[], number]> {
  function* walk(node: FlameNode, stack: FlameNode[]): Generator<[FlameNode[], number]> {
    const here = [...stack, node];
    if (node.self > 0) yield [here, node.self];
    for (const child of node.children) yield* walk(child, here);
  }
  for (const child of codeOnly(root, options.idle === true).root.children) yield* walk(child, []);
}

/** One line per stack with weight of its own: "outer;…;inner weight". */
export function collapsed(root: FlameNode, options: ExportOptions = {}): string {
  let text = '';
  for (const [stack, weight] of ownStacks(root, options)) text += `${stack.map(frameName).join(';')} ${weight}\n`;
  return text;
}

/**
 * speedscope's file format (https://www.speedscope.app/file-format-schema.json): one
 * "sampled" profile, a sample per stack with its own weight, in `unit`.
 */
export function speedscope(root: FlameNode, options: ExportOptions & { name: string; unit: 'milliseconds' | 'bytes'; scale?: number }): string {
  const frames: Array<{ name: string; file?: string; line?: number }> = [];
  const index = new Map<string, number>();
  const samples: number[][] = [];
  const weights: number[] = [];
  const frameOf = (node: FlameNode): number => {
    const key = `${node.name}\u0000${node.detail}`;
    let i = index.get(key);
    if (i === undefined) {
      const at = /^(.*):(\d+)$/.exec(node.detail);
      frames.push(at ? { name: node.name, file: at[1]!, line: Number(at[2]) } : { name: node.name });
      index.set(key, (i = frames.length - 1));
    }
    return i;
  };
  for (const [stack, weight] of ownStacks(root, options)) {
    samples.push(stack.map(frameOf));
    weights.push(weight * (options.scale ?? 1));
  }
  const total = weights.reduce((a, b) => a + b, 0);
  return JSON.stringify({
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    exporter: 'probing',
    name: options.name,
    activeProfileIndex: 0,
    shared: { frames },
    profiles: [{ type: 'sampled', name: options.name, unit: options.unit, startValue: 0, endValue: total, samples, weights }],
  });
}
