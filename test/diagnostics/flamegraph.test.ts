import { describe, expect, it } from 'vitest';
import { flameGraph, type FlameNode } from '../../src/diagnostics/flamegraph.js';

const node = (name: string, self: number, children: FlameNode[] = [], detail = ''): FlameNode => ({ name, detail, self, children });

describe('flameGraph', () => {
  it('a profile in which no JavaScript ran is a picture that says so, not an SVG of height -Infinity', () => {
    const svg = flameGraph(node('all', 0, [node('(idle)', 950), node('(program)', 50)]), { title: 'idle', unit: String });
    const [, width, height] = /<svg[^>]* width="([^"]+)" height="([^"]+)"/.exec(svg)!;
    expect(Number(width)).toBe(1200);
    expect(Number.isFinite(Number(height))).toBe(true);
    expect(svg).not.toContain('Infinity');
    expect(svg).toContain('no JavaScript ran while it was recorded: only (idle) 95.0%, (program) 5.0%');
  });

  it('idle time left out of the width is said, with its share', () => {
    const svg = flameGraph(node('all', 0, [node('(idle)', 500), node('main', 0, [node('work', 500, [], 'file:///app.js:3')], 'file:///app.js:1')]), { title: 't', unit: String });
    expect(svg).toContain('left out of the width: (idle) 50.0% (--idle shows them)');
    expect(svg).toMatch(/<title>work — file:\/\/\/app\.js:3 — total 500 \(100\.0%\)/);
  });
});
