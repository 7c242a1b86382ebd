/**
 * Reads a V8 heap snapshot (.heapsnapshot) as a stream, with bounded memory: the
 * node and edge arrays go straight into typed arrays and the strings into one array,
 * never into a JSON object tree (JSON.parse of a 100 MB snapshot needs gigabytes).
 * Then: per class (constructor) count, self size and retained size, from the
 * dominator tree, and the largest objects with a shortest retainer path.
 */
import { createReadStream } from 'node:fs';
import { FileError, ProbingError } from '../errors.js';

/** Every number in a snapshot's node and edge arrays fits 32 bits: 4 bytes each, grown by half. */
class GrowingArray {
  data = new Uint32Array(1 << 16);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint32Array(Math.ceil(this.data.length * 1.5));
      bigger.set(this.data);
      this.data = bigger;
    }
    if (value > 0xffffffff) throw new ProbingError('SNAPSHOT_TOO_LARGE', `a number in the snapshot (${value}) does not fit 32 bits`);
    this.data[this.length++] = value;
  }
  /**
   * Room for `size` numbers at once, when the snapshot says how many there are: growing by
   * half holds the old array and the new one together, and leaves up to a third unused.
   */
  reserve(size: number): void {
    if (size <= this.data.length || !Number.isSafeInteger(size)) return;
    const exact = new Uint32Array(size);
    exact.set(this.data.subarray(0, this.length));
    this.data = exact;
  }
  done(): Uint32Array {
    return this.data.subarray(0, this.length);
  }
}

interface Meta {
  node_fields: string[];
  node_types: [string[], ...unknown[]];
  edge_fields: string[];
  edge_types: [string[], ...unknown[]];
}

export interface Snapshot {
  meta: Meta;
  nodes: Uint32Array;
  edges: Uint32Array;
  strings: string[];
}

type State = 'key' | 'object' | 'numbers' | 'strings' | 'skip' | 'end';

/**
 * Streams the file once, byte by byte (the number arrays are ASCII, and a UTF-8
 * multi-byte character never contains a quote or a backslash byte, so strings can be
 * delimited without decoding). Keys it does not need (trace trees, samples,
 * locations) are skipped.
 */
export async function readSnapshot(path: string, onProgress?: (bytes: number) => void): Promise<Snapshot> {
  let meta: Meta | undefined;
  const nodes = new GrowingArray();
  const edges = new GrowingArray();
  const strings: string[] = [];
  let state: State = 'key';
  let key = '';
  let keyText = '';
  let inKey = false;
  let objectParts: Buffer[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let number = -1;
  let target: GrowingArray | undefined;
  let stringStart = -1;
  let stringParts: Buffer[] = [];
  let bytes = 0;

  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  // a file that cannot be opened fails the first read: said as such, with its path
  const chunks = (async function* () {
    try {
      yield* stream as AsyncIterable<Buffer>;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new FileError('CANNOT_READ', `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message}`, {
        hint: 'give the path of a .heapsnapshot file (probing <target> heap snapshot writes one)',
        cause: error,
      });
    }
  })();
  for await (const chunk of chunks) {
    bytes += chunk.length;
    onProgress?.(bytes);
    let objectStart = (state as State) === 'object' ? 0 : -1;
    const length = chunk.length;
    for (let i = 0; i < length; i++) {
      const c = chunk[i]!;
      if (state === 'numbers') {
        // the hot loop: most of a snapshot is these digits
        if (c >= 48 && c <= 57) number = number < 0 ? c - 48 : number * 10 + (c - 48);
        else {
          if (number >= 0) target!.push(number);
          number = -1;
          if (c === 93 /* ] */) {
            state = 'key';
            key = '';
          }
        }
        continue;
      }
      switch (state) {
        case 'key':
          if (inKey) {
            if (c === 34 /* " */) {
              inKey = false;
              key = keyText;
            } else keyText += String.fromCharCode(c);
          } else if (c === 34) {
            inKey = true;
            keyText = '';
          } else if (c === 123 /* { */ && key === 'snapshot') {
            state = 'object';
            objectParts = [];
            objectStart = i;
            depth = 1;
          } else if (c === 91 /* [ */) {
            if (key === 'nodes' || key === 'edges') {
              state = 'numbers';
              target = key === 'nodes' ? nodes : edges;
              number = -1;
            } else if (key === 'strings') {
              state = 'strings';
              inString = false;
            } else {
              state = 'skip';
              depth = 1;
              inString = false;
            }
          } else if (c === 125 /* } */ && key !== 'snapshot') state = 'end';
          break;
        case 'object':
          if (inString) {
            if (escaped) escaped = false;
            else if (c === 92) escaped = true;
            else if (c === 34) inString = false;
          } else if (c === 34) inString = true;
          else if (c === 123) depth++;
          else if (c === 125 && --depth === 0) {
            objectParts.push(chunk.subarray(objectStart, i + 1));
            const header = JSON.parse(Buffer.concat(objectParts).toString('utf8')) as { meta: Meta; node_count?: number; edge_count?: number };
            meta = header.meta;
            if (typeof header.node_count === 'number') nodes.reserve(header.node_count * meta.node_fields.length);
            if (typeof header.edge_count === 'number') edges.reserve(header.edge_count * meta.edge_fields.length);
            objectStart = -1;
            state = 'key';
            key = '';
          }
          break;
        case 'strings':
          if (inString) {
            if (escaped) escaped = false;
            else if (c === 92) escaped = true;
            else if (c === 34) {
              stringParts.push(chunk.subarray(stringStart, i));
              const raw = stringParts.length === 1 ? stringParts[0]!.toString('utf8') : Buffer.concat(stringParts).toString('utf8');
              strings.push(raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw);
              stringParts = [];
              inString = false;
            }
          } else if (c === 34) {
            inString = true;
            stringStart = i + 1;
          } else if (c === 93) {
            state = 'key';
            key = '';
          }
          break;
        case 'skip':
          if (inString) {
            if (escaped) escaped = false;
            else if (c === 92) escaped = true;
            else if (c === 34) inString = false;
          } else if (c === 34) inString = true;
          else if (c === 91) depth++;
          else if (c === 93 && --depth === 0) {
            state = 'key';
            key = '';
          }
          break;
        default:
          break;
      }
    }
    // text that continues into the next chunk
    if (state === 'strings' && inString) {
      stringParts.push(chunk.subarray(stringStart));
      stringStart = 0;
    }
    if (state === 'object' && objectStart >= 0) objectParts.push(chunk.subarray(objectStart));
  }
  if (!meta || nodes.length === 0) {
    throw new FileError('BAD_SNAPSHOT', `${path} is not a V8 heap snapshot (or it was cut short)`, { hint: 'take one with probing <target> heap snapshot' });
  }
  return { meta, nodes: nodes.done(), edges: edges.done(), strings };
}

export interface ClassRow {
  class: string;
  count: number;
  self_size: number;
  retained_size: number;
  [key: string]: unknown;
}

export interface ObjectRow {
  id: number;
  class: string;
  self_size: number;
  retained_size: number;
  retainers: string;
  [key: string]: unknown;
}

/** Per class: count, self size, retained size; and the largest objects by retained size. */
export function analyse(snapshot: Snapshot, top = 20): { classes: ClassRow[]; objects: ObjectRow[]; totalSize: number; nodeCount: number } {
  const { meta, nodes, edges, strings } = snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const nType = meta.node_fields.indexOf('type');
  const nName = meta.node_fields.indexOf('name');
  const nId = meta.node_fields.indexOf('id');
  const nSize = meta.node_fields.indexOf('self_size');
  const nEdges = meta.node_fields.indexOf('edge_count');
  const eType = meta.edge_fields.indexOf('type');
  const eName = meta.edge_fields.indexOf('name_or_index');
  const eTo = meta.edge_fields.indexOf('to_node');
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const weak = edgeTypes.indexOf('weak');
  const shortcut = edgeTypes.indexOf('shortcut');
  const count = nodes.length / nf;

  // first edge of each node
  const firstEdge = new Uint32Array(count + 1);
  for (let n = 0, e = 0; n < count; n++) {
    firstEdge[n] = e;
    e += nodes[n * nf + nEdges]! * ef;
    firstEdge[n + 1] = e;
  }
  const className = (n: number): string => {
    const type = nodeTypes[nodes[n * nf + nType]!]!;
    const name = strings[nodes[n * nf + nName]!] ?? '';
    if (type === 'object' || type === 'native') return name;
    if (type === 'closure') return '(closure)';
    if (type === 'code') return '(compiled code)';
    if (type.includes('string')) return '(string)';
    return `(${type})`;
  };

  // Depth-first from the root (node 0), ignoring weak edges: post-order and a shortest-ish retainer.
  const order = new Uint32Array(count);
  const rank = new Int32Array(count).fill(-1);
  const parent = new Int32Array(count).fill(-1);
  const parentEdge = new Int32Array(count).fill(-1);
  let reached = 0;
  {
    // breadth-first for the retainer paths (shortest), then post-order by an explicit stack;
    // the queue and the stack share one array, and the marks one array, one after the other
    const stack = new Uint32Array(count * 2);
    const queue = stack.subarray(0, count);
    let head = 0;
    let tail = 0;
    const seen = new Uint8Array(count);
    queue[tail++] = 0;
    seen[0] = 1;
    while (head < tail) {
      const n = queue[head++]!;
      for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e += ef) {
        const t = edges[e + eType]!;
        if (t === weak || t === shortcut) continue;
        const to = edges[e + eTo]! / nf;
        if (!seen[to]) {
          seen[to] = 1;
          parent[to] = n;
          parentEdge[to] = e;
          queue[tail++] = to;
        }
      }
    }
    const visited = seen.fill(0);
    let sp = 0;
    stack[sp++] = 0;
    stack[sp++] = firstEdge[0]!;
    visited[0] = 1;
    while (sp > 0) {
      const n = stack[sp - 2]!;
      let e = stack[sp - 1]!;
      let pushed = false;
      for (; e < firstEdge[n + 1]!; e += ef) {
        const t = edges[e + eType]!;
        if (t === weak || t === shortcut) continue;
        const to = edges[e + eTo]! / nf;
        if (!visited[to]) {
          visited[to] = 1;
          stack[sp - 1] = e + ef;
          stack[sp++] = to;
          stack[sp++] = firstEdge[to]!;
          pushed = true;
          break;
        }
      }
      if (!pushed) {
        sp -= 2;
        rank[n] = reached;
        order[reached++] = n;
      }
    }
  }

  // Predecessors (reachable, strong edges only) for the dominator computation.
  const predCount = new Uint32Array(count + 1);
  for (let n = 0; n < count; n++) {
    if (rank[n]! < 0) continue;
    for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e += ef) {
      const t = edges[e + eType]!;
      if (t === weak || t === shortcut) continue;
      predCount[edges[e + eTo]! / nf + 1]!++;
    }
  }
  for (let n = 0; n < count; n++) predCount[n + 1]! += predCount[n]!;
  const preds = new Uint32Array(predCount[count]!);
  const fill = predCount.slice(0, count);
  for (let n = 0; n < count; n++) {
    if (rank[n]! < 0) continue;
    for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e += ef) {
      const t = edges[e + eType]!;
      if (t === weak || t === shortcut) continue;
      const to = edges[e + eTo]! / nf;
      preds[fill[to]!++] = n;
    }
  }

  // Dominators: Cooper, Harvey & Kennedy's iterative algorithm, by post-order rank.
  const idom = new Int32Array(count).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (rank[a]! < rank[b]!) a = idom[a]!;
      while (rank[b]! < rank[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true, rounds = 0; changed && rounds < 100; rounds++) {
    changed = false;
    for (let r = reached - 1; r >= 0; r--) {
      const n = order[r]!;
      if (n === 0) continue;
      let dom = -1;
      for (let p = predCount[n]!; p < predCount[n + 1]!; p++) {
        const pred = preds[p]!;
        if (idom[pred] === -1) continue;
        dom = dom === -1 ? pred : intersect(pred, dom);
      }
      if (dom !== -1 && idom[n] !== dom) {
        idom[n] = dom;
        changed = true;
      }
    }
  }

  // Retained sizes: each node's own size plus what it dominates (children before parents in post-order).
  const retained = new Float64Array(count);
  for (let r = 0; r < reached; r++) {
    const n = order[r]!;
    retained[n]! += nodes[n * nf + nSize]!;
    if (n !== 0 && idom[n]! >= 0) retained[idom[n]!]! += retained[n]!;
  }

  // One class id per node, computed once: names are compared as numbers from here on.
  const classIds = new Map<string, number>();
  const classNames: string[] = [];
  const classOf = new Uint32Array(count);
  const byTypeName = new Map<number, number>();
  for (let n = 0; n < count; n++) {
    const type = nodes[n * nf + nType]!;
    const name = nodes[n * nf + nName]!;
    const typeName = nodeTypes[type]!;
    const keyed = typeName === 'object' || typeName === 'native';
    const cacheKey = keyed ? name * 64 + type : -1 - type;
    let id = byTypeName.get(cacheKey);
    if (id === undefined) {
      const label = className(n);
      id = classIds.get(label);
      if (id === undefined) {
        id = classNames.length;
        classNames.push(label);
        classIds.set(label, id);
      }
      byTypeName.set(cacheKey, id);
    }
    classOf[n] = id;
  }
  const counts = new Float64Array(classNames.length);
  const selfSizes = new Float64Array(classNames.length);
  const retainedSizes = new Float64Array(classNames.length);
  let totalSize = 0;
  for (let n = 0; n < count; n++) {
    if (rank[n]! < 0) continue;
    const id = classOf[n]!;
    const size = nodes[n * nf + nSize]!;
    counts[id]!++;
    selfSizes[id]! += size;
    totalSize += size;
    // a class's retained size: objects not already retained by another object of the class
    const dom = idom[n]!;
    if (n !== 0 && !(dom > 0 && classOf[dom] === id)) retainedSizes[id]! += retained[n]!;
  }
  const classes: ClassRow[] = classNames
    .map((name, id) => ({ class: name, count: counts[id]!, self_size: selfSizes[id]!, retained_size: retainedSizes[id]! }))
    .filter((row) => row.count > 0);

  const retainerPath = (n: number): string => {
    const parts: string[] = [];
    for (let cur = n, steps = 0; cur > 0 && parent[cur]! >= 0 && steps < 12; cur = parent[cur]!, steps++) {
      const e = parentEdge[cur]!;
      const type = edgeTypes[edges[e + eType]!];
      const label = type === 'element' || type === 'hidden' ? `[${edges[e + eName]}]` : `.${strings[edges[e + eName]!] ?? '?'}`;
      parts.unshift(`${className(parent[cur]!)}${label}`);
    }
    return parts.join(' → ');
  };
  // the `top` largest by retained size, in one pass (sorting every node would cost seconds)
  const candidates: number[] = [];
  let smallest = -1;
  for (let n = 1; n < count; n++) {
    if (rank[n]! < 0 || retained[n]! <= smallest) continue;
    const type = nodeTypes[nodes[n * nf + nType]!];
    if (type === 'synthetic' || type === 'hidden') continue;
    candidates.push(n);
    if (candidates.length > top * 4) {
      candidates.sort((a, b) => retained[b]! - retained[a]!);
      candidates.length = top;
      smallest = retained[candidates[top - 1]!]!;
    }
  }
  candidates.sort((a, b) => retained[b]! - retained[a]!);
  const objects = candidates.slice(0, top).map((n) => ({
    id: nodes[n * nf + nId]!,
    class: className(n),
    self_size: nodes[n * nf + nSize]!,
    retained_size: retained[n]!,
    retainers: retainerPath(n),
  }));
  return { classes: classes.sort((a, b) => b.retained_size - a.retained_size), objects, totalSize, nodeCount: count };
}

/** What grew between two snapshots, per class. */
export function diffClasses(before: ClassRow[], after: ClassRow[]): Array<{ class: string; count_before: number; count_after: number; count_delta: number; size_delta: number; [key: string]: unknown }> {
  const old = new Map(before.map((r) => [r.class, r]));
  const rows = after.map((r) => {
    const o = old.get(r.class);
    old.delete(r.class);
    return { class: r.class, count_before: o?.count ?? 0, count_after: r.count, count_delta: r.count - (o?.count ?? 0), size_delta: r.self_size - (o?.self_size ?? 0) };
  });
  for (const o of old.values()) rows.push({ class: o.class, count_before: o.count, count_after: 0, count_delta: -o.count, size_delta: -o.self_size });
  return rows.filter((r) => r.count_delta !== 0 || r.size_delta !== 0).sort((a, b) => b.size_delta - a.size_delta);
}
