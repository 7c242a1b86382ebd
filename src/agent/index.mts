/** probing-node/agent for `node --import`: the same agent as the CommonJS entry (started once either way). */
import './index.cjs';
