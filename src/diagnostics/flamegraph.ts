/**
 * A self-contained flame graph: an SVG whose frames carry their geometry (x, y, width and
 * the label that fits), so it is a picture wherever it is shown — an <img>, GitHub, an
 * IDE's preview — and a little script adds what a browser can do with it: click a frame
 * to zoom into it, click the bottom frame (or "Reset zoom") to zoom back out, search with
 * the box at the top right (the share of the total that matches is shown; a pattern that
 * is not a regular expression is said, not thrown). No external files.
 *
 * Colours say where a frame's code lives: the application (warm), its dependencies
 * (node_modules, blue), Node.js itself (node:, internal/, green), and V8 or native work
 * with no script (grey). Time the process spent idle, in V8's own work ("(program)") or in
 * the garbage collector is left out of the width unless asked for (--idle): on an idle-ish
 * server it is most of the picture and hides the code that ran.
 */

export interface FlameNode {
  name: string;
  /** e.g. file:line */
  detail: string;
  /** This node's own weight (samples, bytes). */
  self: number;
  children: FlameNode[];
}

export interface FlameOptions {
  title: string;
  unit: (value: number) => string;
  /** Keep (idle), (program) and (garbage collector) in the width. */
  idle?: boolean;
}

/** The root's children that are not the program's own code: left out of the width by default. */
const NOT_CODE = ['(idle)', '(program)', '(garbage collector)'];

/** The tree without the root's (idle), (program) and GC children unless `idle`, and the children left out. */
export function codeOnly(tree: FlameNode, idle: boolean): { root: FlameNode; left: FlameNode[] } {
  if (idle) return { root: tree, left: [] };
  const left = tree.children.filter((c) => NOT_CODE.includes(c.name));
  return { root: { ...tree, children: tree.children.filter((c) => !left.includes(c)) }, left };
}

type Category = 'app' | 'deps' | 'core' | 'native';

interface Box {
  name: string;
  detail: string;
  total: number;
  self: number;
  depth: number;
  x: number;
  parent: number;
  category: Category;
}

const WIDTH = 1200;
const ROW = 17;
/** Above the frames: the title, the search box and what is left out. */
const TOP = 50;
/** An average character's width at font-size 11 (monospace), px. */
const CHAR = 6.6;

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function totals(node: FlameNode): number {
  return node.self + node.children.reduce((sum, child) => sum + totals(child), 0);
}

/** Where a frame's code lives, from its location (file:line). */
export function categoryOf(name: string, detail: string): Category {
  if (detail === '') return name.startsWith('(') || name === 'all' ? 'native' : 'core';
  if (/(^|[\\/])node_modules[\\/]/.test(detail)) return 'deps';
  if (detail.startsWith('node:') || detail.startsWith('internal/') || !/[\\/]/.test(detail)) return 'core';
  return 'app';
}

const COLOURS: Record<Category, [number, number, number]> = {
  // hue, saturation, lightness base
  app: [20, 75, 58],
  deps: [205, 60, 62],
  core: [105, 45, 55],
  native: [0, 0, 72],
};

function colour(name: string, category: Category): string {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const [hue, saturation, lightness] = COLOURS[category];
  return category === 'native' ? `hsl(0, 0%, ${lightness - (h % 10)}%)` : `hsl(${hue + (h % 25)}, ${saturation + (h % 15)}%, ${lightness - (h % 12)}%)`;
}

function layout(node: FlameNode, depth: number, x: number, parent: number, out: Box[], minWeight: number): number {
  const total = totals(node);
  if (total < minWeight) return total;
  const index = out.length;
  out.push({ name: node.name, detail: node.detail, total, self: node.self, depth, x, parent, category: categoryOf(node.name, node.detail) });
  let offset = x;
  for (const child of [...node.children].sort((a, b) => a.name.localeCompare(b.name))) offset += layout(child, depth + 1, offset, index, out, minWeight);
  return total;
}

/** The label that fits `px` pixels, or nothing. */
function fitted(name: string, px: number): string {
  const fit = Math.floor((px - 6) / CHAR);
  if (fit < 3) return '';
  return name.length > fit ? `${name.slice(0, fit - 1)}…` : name;
}

export function flameGraph(tree: FlameNode, options: FlameOptions): string {
  // what is left out of the width, and how much of it there was
  const whole = totals(tree) || 1;
  const { root, left } = codeOnly(tree, options.idle === true);
  const all = totals(root) || 1;
  const boxes: Box[] = [];
  layout(root, 0, 0, -1, boxes, all / (WIDTH * 10));
  // a profile of a process that ran no JavaScript of its own (idle all along) has no frames
  const depth = boxes.length === 0 ? 1 : Math.max(...boxes.map((b) => b.depth)) + 1;
  const height = TOP + depth * ROW + 30;
  const rects = boxes
    .map((b, i) => {
      const label = `${b.name}${b.detail ? ` — ${b.detail}` : ''} — total ${options.unit(b.total)} (${((b.total / all) * 100).toFixed(1)}%), self ${options.unit(b.self)}`;
      const px = (b.x / all) * WIDTH;
      const pw = (b.total / all) * WIDTH;
      const py = TOP + (depth - 1 - b.depth) * ROW;
      return `<g class="f" data-x="${b.x}" data-w="${b.total}" data-d="${b.depth}" data-p="${b.parent}"><title>${escape(label)}</title><rect x="${px.toFixed(2)}" y="${py}" width="${Math.max(pw - 0.5, 0.1).toFixed(2)}" height="${ROW - 1}" rx="2" fill="${colour(b.name, b.category)}"/><text x="${(px + 3).toFixed(2)}" y="${py + 12}">${escape(fitted(b.name, pw))}</text></g>`;
    })
    .join('\n');
  const leftOut = left.map((c) => `${c.name} ${((totals(c) / whole) * 100).toFixed(1)}%`).join(', ');
  const note =
    boxes.length === 0
      ? `no JavaScript ran while it was recorded${leftOut ? `: only ${leftOut}` : ''}`
      : leftOut
        ? `left out of the width: ${leftOut} (--idle shows them)`
        : '';
  const legend = (['app', 'deps', 'core', 'native'] as const)
    .map((c, i) => `<rect x="${10 + i * 130}" y="${height - 22}" width="10" height="10" fill="${colour('', c)}"/><text x="${24 + i * 130}" y="${height - 13}">${{ app: 'application', deps: 'dependencies', core: 'Node.js', native: 'V8 / native' }[c]}</text>`)
    .join('');
  return `<?xml version="1.0" standalone="no"?>
<svg version="1.1" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" xmlns="http://www.w3.org/2000/svg" font-family="monospace" font-size="11">
<style>
  .f rect { stroke: white; stroke-width: 0.5; cursor: pointer; } .f:hover rect { stroke: black; }
  .f text { pointer-events: none; fill: #111; } .hit rect { fill: #e040fb !important; } .above { opacity: 0.55; }
  #details { font-size: 12px; } #reset { cursor: pointer; fill: #1565c0; }
</style>
<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="white"/>
<text x="10" y="18" font-size="15">${escape(options.title)}</text>
<text id="note" x="10" y="36">${escape(note)}</text>
<text id="reset" x="${WIDTH - 250}" y="36" style="display:none">Reset zoom</text>
<text id="matched" x="${WIDTH - 10}" y="36" text-anchor="end"></text>
<foreignObject x="${WIDTH - 210}" y="4" width="200" height="22"><input xmlns="http://www.w3.org/1999/xhtml" id="search" placeholder="search (a regular expression)" style="width:190px;font:11px monospace"/></foreignObject>
<g id="frames">
${rects}
</g>
<text id="details" x="10" y="${height - 30}"> </text>
${legend}
<script><![CDATA[
(function () {
  var W = ${WIDTH}, ROW = ${ROW}, TOP = ${TOP}, DEPTH = ${depth}, CHAR = ${CHAR};
  var frames = Array.prototype.slice.call(document.querySelectorAll('.f'));
  var details = document.getElementById('details'), reset = document.getElementById('reset');
  var names = frames.map(function (g) { return g.querySelector('title').textContent.split(' — ')[0]; });
  function fitted(name, px) { var fit = Math.floor((px - 6) / CHAR); return fit < 3 ? '' : name.length > fit ? name.slice(0, fit - 1) + '\\u2026' : name; }
  function place(g, i, px, pw, d) {
    var rect = g.querySelector('rect'), text = g.querySelector('text'), py = TOP + (DEPTH - 1 - d) * ROW;
    g.style.display = '';
    rect.setAttribute('x', px); rect.setAttribute('y', py); rect.setAttribute('width', Math.max(pw - 0.5, 0.1));
    text.setAttribute('x', px + 3); text.setAttribute('y', py + 12); text.textContent = fitted(names[i], pw);
  }
  // zoom into frame z: its subtree spans the width; its ancestors stay, full width and faded
  function zoom(z) {
    var f = frames[z], x0 = +f.dataset.x, w0 = +f.dataset.w, d0 = +f.dataset.d, above = {};
    for (var a = +f.dataset.p; a >= 0; a = +frames[a].dataset.p) above[a] = true;
    frames.forEach(function (g, i) {
      var x = +g.dataset.x, w = +g.dataset.w, d = +g.dataset.d;
      g.classList.toggle('above', !!above[i]);
      if (above[i]) return place(g, i, 0, W, d);
      if (d < d0 || x < x0 || x + w > x0 + w0 + 1e-9) { g.style.display = 'none'; return; }
      place(g, i, (x - x0) / w0 * W, w / w0 * W, d);
    });
    reset.style.display = z === 0 ? 'none' : '';
  }
  frames.forEach(function (g, i) {
    g.addEventListener('click', function () { zoom(i); });
    g.addEventListener('mouseover', function () { details.textContent = g.querySelector('title').textContent; });
  });
  reset.addEventListener('click', function () { zoom(0); });
  var input = document.getElementById('search'), matched = document.getElementById('matched');
  function search() {
    var term = input.value, re;
    frames.forEach(function (g) { g.classList.remove('hit'); });
    if (term === '') { matched.textContent = ''; return; }
    try { re = new RegExp(term, 'i'); } catch (e) { matched.textContent = 'not a regular expression: ' + e.message; return; }
    var total = 0, count = 0, root = +frames[0].dataset.w, hit = {};
    frames.forEach(function (g, i) {
      if (!re.test(names[i])) return;
      g.classList.add('hit'); count++; hit[i] = true;
      // a match inside a match is counted once, at the outer one
      for (var a = +g.dataset.p; a >= 0; a = +frames[a].dataset.p) if (hit[a]) return;
      total += +g.dataset.w;
    });
    matched.textContent = count + ' matched, ' + (total / root * 100).toFixed(1) + '% of the total';
  }
  input.addEventListener('input', search);
  document.addEventListener('keydown', function (e) { if (e.key === '/' && document.activeElement !== input) { e.preventDefault(); input.focus(); } });
})();
]]></script>
</svg>
`;
}
