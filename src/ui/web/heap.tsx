/** The Heap tab: sampled allocations, and snapshots with their diff. */
import { HeapSampleView } from './heap-sample.js';
import { HeapSnapshots } from './heap-snapshots.js';
import type { Workspace } from './workspace.js';

export function HeapView({ target, workspace }: { target: string; workspace: Workspace }) {
  return (
    <div class="heap" data-testid="heap">
      <HeapSampleView target={target} />
      <HeapSnapshots target={target} workspace={workspace} />
    </div>
  );
}
