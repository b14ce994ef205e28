// The push route's writes, grouped: concurrent pushes of one tenant and org share one
// transaction (BEGIN, set_config, one queuePushes statement, one INSERT of the connections'
// push tasks, COMMIT) instead of paying those five round trips each. Every caller still
// waits for the commit that holds its own push, so a 202 still means queued; a failed
// commit fails every push in it, and none of them is stored.
//
// Why: with the push tasks batched (jobs/tasks/pushTask.ts), the route was most of the SQL
// the fan-out bench sent: 5 statements per push, 1.7 per task, against the workers' 0.8.
import type { Scope } from '../db/products.ts';
import { queuePushes, type PushRequest, type QueuedPush } from '../db/push.ts';
import { withTenant } from '../db/client.ts';
import type { Deps } from '../deps.ts';
import { KeyedGroupCommit } from '../lib/groupCommit.ts';

type Intake = KeyedGroupCommit<PushRequest & { scope: Scope }, QueuedPush | null>;

const intakes = new WeakMap<Deps, Intake>();

function intakeOf(deps: Deps): Intake {
  let intake = intakes.get(deps);
  if (!intake) {
    intake = new KeyedGroupCommit((_key, items) => commit(deps, items[0]!.scope, items));
    intakes.set(deps, intake);
  }
  return intake;
}

/** Queues one push with whatever else of its tenant and org is being queued at the same moment. */
export function queuePush(deps: Deps, scope: Scope, push: PushRequest): Promise<QueuedPush | null> {
  return intakeOf(deps).submit(`${scope.tenantId}/${scope.orgId}`, { ...push, scope });
}

/** Pushes per commit so far (for tests and the bench). */
export const intakeFlushSizes = (deps: Deps): readonly number[] => intakeOf(deps).flushSizes;

async function commit(deps: Deps, scope: Scope, items: PushRequest[]): Promise<(QueuedPush | null)[]> {
  return withTenant(deps.db, scope.tenantId, async (tx) => {
    // A product pushed twice in one group is queued in rounds, a statement each, so the later
    // push's targets get the later seq (latestAction). Rare: a client pushing one product again
    // before its first push was answered.
    // Round n holds each product's (n+1)-th push of the group.
    const rounds: { item: PushRequest; i: number }[][] = [];
    const pushesOf = new Map<string, number>();
    items.forEach((item, i) => {
      const n = pushesOf.get(item.productId) ?? 0;
      pushesOf.set(item.productId, n + 1);
      (rounds[n] ??= []).push({ item, i });
    });
    const out: (QueuedPush | null)[] = new Array(items.length).fill(null);
    for (const round of rounds) {
      const queued = await queuePushes(tx, scope, round.map((r) => r.item));
      round.forEach((r, k) => (out[r.i] = queued[k]!));
    }
    // Each connection's push task, in one INSERT. One task per connection drains whatever is
    // queued for it; while one waits, this adds nothing (the queue keeps one per connection).
    const connectionIds = [...new Set(out.flatMap((q) => q?.connectionIds ?? []))];
    await deps.queue.sendMany(
      tx,
      'push-task',
      connectionIds.map((connectionId) => ({ tenantId: scope.tenantId, connectionId })),
      (d) => d.connectionId,
    );
    return out;
  });
}
