/**
 * A self-contained flame graph (SVG with a little script): hover for details, click a
 * frame to zoom into it (click the bottom bar to zoom out), press / or ctrl-F to search.
 * No external files; opens in any browser.
 */

export interface FlameNode {
  name: string;
  /** e.g. file:line */
  detail: string;
  /** This node's own weight (samples, bytes). */
  self: number;
  children: FlameNode[];
}

interface Box {
  name: string;
  detail: string;
  total: number;
  self: number;
  depth: number;
  x: number;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function totals(node: FlameNode): number {
  return node.self + node.children.reduce((sum, child) => sum + totals(child), 0);
}

function layout(node: FlameNode, depth: number, x: number, out: Box[], minWeight: number): number {
  const total = totals(node);
  if (total < minWeight) return total;
  out.push({ name: node.name, detail: node.detail, total, self: node.self, depth, x });
  let offset = x;
  for (const child of [...node.children].sort((a, b) => a.name.localeCompare(b.name))) offset += layout(child, depth + 1, offset, out, minWeight);
  return total;
}

function colour(name: string): string {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `hsl(${15 + (h % 40)}, ${60 + (h % 30)}%, ${50 + (h % 15)}%)`;
}

export function flameGraph(root: FlameNode, options: { title: string; unit: (value: number) => string }): string {
  const width = 1200;
  const row = 17;
  const all = totals(root) || 1;
  const boxes: Box[] = [];
  layout(root, 0, 0, boxes, all / 5000);
  const depth = Math.max(...boxes.map((b) => b.depth)) + 1;
  const height = depth * row + 60;
  const rects = boxes
    .map((b, i) => {
      const label = `${b.name} — ${b.detail} — total ${options.unit(b.total)} (${((b.total / all) * 100).toFixed(1)}%), self ${options.unit(b.self)}`;
      return `<g class="f" data-i="${i}" data-x="${b.x}" data-w="${b.total}" data-d="${b.depth}"><title>${escape(label)}</title><rect height="${row - 1}" rx="2" fill="${colour(b.name)}"/><text dy="12">${escape(b.name)}</text></g>`;
    })
    .join('\n');
  return `<?xml version="1.0" standalone="no"?>
<svg version="1.1" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg" font-family="monospace" font-size="11">
<style>
  .f rect { stroke: white; stroke-width: 0.5; cursor: pointer; } .f:hover rect { stroke: black; }
  .f text { pointer-events: none; fill: #111; } .hit rect { fill: #e040fb !important; }
  #details { font-size: 12px; }
</style>
<text x="10" y="20" font-size="15">${escape(options.title)}</text>
<text id="details" x="10" y="${height - 12}"> </text>
<text id="search" x="${width - 10}" y="20" text-anchor="end" style="cursor:pointer">Search (/)</text>
<g id="frames" transform="translate(0, 30)">
${rects}
</g>
<script><![CDATA[
(function () {
  var W = ${width}, ROW = ${row}, DEPTH = ${depth};
  var frames = Array.prototype.slice.call(document.querySelectorAll('.f'));
  var details = document.getElementById('details');
  function draw(x0, w0, d0) {
    frames.forEach(function (g) {
      var x = +g.dataset.x, w = +g.dataset.w, d = +g.dataset.d;
      var inside = x >= x0 && x + w <= x0 + w0 + 1e-9 && d >= d0;
      var rect = g.querySelector('rect'), text = g.querySelector('text');
      if (!inside) { g.style.display = 'none'; return; }
      g.style.display = '';
      var px = (x - x0) / w0 * W, pw = w / w0 * W, py = (DEPTH - 1 - (d - d0)) * ROW;
      rect.setAttribute('x', px); rect.setAttribute('y', py); rect.setAttribute('width', Math.max(pw - 0.5, 0.1));
      text.setAttribute('x', px + 3); text.setAttribute('y', py);
      var name = g.querySelector('title').textContent.split(' — ')[0], fit = Math.floor((pw - 6) / 6.6);
      text.textContent = fit < 3 ? '' : name.length > fit ? name.slice(0, fit - 1) + '…' : name;
    });
  }
  var root = frames[0];
  draw(0, +root.dataset.w, 0);
  frames.forEach(function (g) {
    g.addEventListener('click', function () { draw(+g.dataset.x, +g.dataset.w, +g.dataset.d === 0 ? 0 : +g.dataset.d); });
    g.addEventListener('mouseover', function () { details.textContent = g.querySelector('title').textContent; });
  });
  function search() {
    var term = prompt('Search for (a regular expression):');
    if (term === null) return;
    var re = new RegExp(term, 'i');
    frames.forEach(function (g) { g.classList.toggle('hit', term !== '' && re.test(g.querySelector('title').textContent)); });
  }
  document.getElementById('search').addEventListener('click', search);
  document.addEventListener('keydown', function (e) { if (e.key === '/' || (e.ctrlKey && e.key === 'f')) { e.preventDefault(); search(); } });
})();
]]></script>
</svg>
`;
}
