/**
 * A profile's tree in the formats other tools read: folded stacks ("collapsed", for
 * flamegraph.pl, inferno, speedscope) and speedscope's own JSON. Both are written from the
 * same tree as the flame graph, with the same frames left out (idle, program and GC unless
 * asked for).
 */
import type { FlameNode } from './flamegraph.js';
import { NOT_CODE } from './flamegraph.js';

export interface ExportOptions {
  /** Keep (idle), (program) and (garbage collector). */
  idle?: boolean;
}

/** A frame as one name: "function (file:line)"; a ; (the separator) never appears in it. */
function frameName(node: FlameNode): string {
  return (node.detail ? `${node.name} (${node.detail})` : node.name).replace(/;/g, ':');
}

function kept(root: FlameNode, options: ExportOptions): FlameNode[] {
  return options.idle ? root.children : root.children.filter((c) => !NOT_CODE.includes(c.name));
}

/** One line per stack with weight of its own: "outer;…;inner weight", outermost first; the root ("all") is not a frame. */
export function collapsed(root: FlameNode, options: ExportOptions = {}): string {
  const lines: string[] = [];
  const walk = (node: FlameNode, stack: string[]) => {
    const here = [...stack, frameName(node)];
    if (node.self > 0) lines.push(`${here.join(';')} ${node.self}`);
    for (const child of node.children) walk(child, here);
  };
  for (const child of kept(root, options)) walk(child, []);
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
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
  const walk = (node: FlameNode, stack: number[]) => {
    const here = [...stack, frameOf(node)];
    if (node.self > 0) {
      samples.push(here);
      weights.push(node.self * (options.scale ?? 1));
    }
    for (const child of node.children) walk(child, here);
  };
  for (const child of kept(root, options)) walk(child, []);
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
