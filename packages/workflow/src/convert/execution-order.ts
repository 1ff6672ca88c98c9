/** LiteGraph's `computeExecutionOrder`: nodes without connected inputs first, then as their inputs resolve. */
import type { UiGraph, UiNode } from './ui-graph.js';

export function executionOrder(graph: UiGraph): UiNode[] {
  const order: UiNode[] = [];
  const pending = new Map<string, UiNode>();
  const remaining = new Map<string, number>();
  const ready: UiNode[] = [];
  for (const node of graph.nodes) {
    pending.set(node.id, node);
    const connected = node.inputs.filter((input) => input.link !== null && input.link !== undefined).length;
    if (connected === 0) ready.push(node);
    else remaining.set(node.id, connected);
  }
  const visited = new Set<string>();
  // An index, not shift(): shifting a long array is linear, which made large workflows quadratic.
  for (let next = 0, node = ready[0]; node; node = ready[++next]) {
    order.push(node);
    pending.delete(node.id);
    for (const linkIds of node.outputLinks) {
      for (const linkId of linkIds) {
        const link = graph.links.get(linkId);
        if (!link || visited.has(link.id)) continue;
        visited.add(link.id);
        const target = graph.byId.get(link.targetId);
        if (!target) continue;
        const left = (remaining.get(target.id) ?? 0) - 1;
        remaining.set(target.id, left);
        if (left === 0) ready.push(target);
      }
    }
  }
  // Whatever is left sits in a cycle or behind a broken link; LiteGraph appends it as is.
  order.push(...pending.values());
  return order;
}
