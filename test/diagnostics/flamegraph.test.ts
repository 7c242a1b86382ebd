import { describe, expect, it } from 'vitest';
import { categoryOf, flameGraph, type FlameNode } from '../../src/diagnostics/flamegraph.js';

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

  it('--idle keeps (idle), (program) and GC in the width, and says nothing was left out', () => {
    const tree = node('all', 0, [node('(idle)', 400), node('(program)', 100), node('main', 0, [node('work', 500, [], 'file:///app.js:3')], 'file:///app.js:1')]);
    const svg = flameGraph(tree, { title: 't', unit: String, idle: true });
    expect(svg).toMatch(/<title>\(idle\)[^<]*total 400 \(40\.0%\)/);
    expect(svg).toMatch(/<title>\(program\)[^<]*total 100 \(10\.0%\)/);
    expect(svg).toMatch(/<title>work — file:\/\/\/app\.js:3 — total 500 \(50\.0%\)/);
    expect(svg).not.toContain('left out of the width');
  });

  it('colours frames by where their code lives: application, dependencies, Node.js, V8/native', () => {
    expect(categoryOf('handler', 'file:///srv/app/server.js:10')).toBe('app');
    expect(categoryOf('handler', '/srv/app/server.js:10')).toBe('app');
    expect(categoryOf('parse', 'file:///srv/app/node_modules/fast-json/index.js:1')).toBe('deps');
    expect(categoryOf('readFile', 'node:fs:400')).toBe('core');
    expect(categoryOf('(garbage collector)', '')).toBe('native');
    const svg = flameGraph(node('all', 0, [node('main', 5, [node('parse', 30, [], '/srv/app/node_modules/x/index.js:1'), node('readFile', 10, [], 'node:fs:400')], '/srv/app/server.js:10')]), { title: 't', unit: String });
    const fill = (name: string) => new RegExp(`<title>${name} —[^<]*</title><rect [^>]*fill="hsl\\((\\d+),`).exec(svg)?.[1];
    // hue bands: application 20–44, dependencies 205–229, Node.js 105–129
    expect(Number(fill('main'))).toBeGreaterThanOrEqual(20);
    expect(Number(fill('main'))).toBeLessThan(45);
    expect(Number(fill('parse'))).toBeGreaterThanOrEqual(205);
    expect(Number(fill('parse'))).toBeLessThan(230);
    expect(Number(fill('readFile'))).toBeGreaterThanOrEqual(105);
    expect(Number(fill('readFile'))).toBeLessThan(130);
    for (const label of ['application', 'dependencies', 'Node.js', 'V8 / native']) expect(svg).toContain(`>${label}</text>`);
  });
});
