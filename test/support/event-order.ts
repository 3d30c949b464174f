/**
 * One aggregate's event types in aggregate_version order: the order the feed promises within one
 * aggregate. The feed itself lists by writing transaction, so two transactions that write one
 * aggregate (a statement import's and a workflow's) may come in the other order.
 */
export function byVersion(events: Array<{ type: string; aggregate_version: number }>): string[] {
  return [...events].sort((a, b) => a.aggregate_version - b.aggregate_version).map((e) => e.type);
}
