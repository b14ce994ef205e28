// Query cost and the leaky bucket, after Shopify's published model
// (shopify.dev "GraphQL Admin API rate limits"), simplified:
//   scalar/enum 0; object (or list of objects) 1 + its selections;
//   connection 2 + n x (each node: 1 + its selections), n = first/last when
//   requesting, the number actually returned when charging; pageInfo 1;
//   each top-level mutation field 10 + its selections.
// Requested cost is booked before running; the difference to the actual cost is
// refunded after, as Shopify does. A query requesting more than 1000 is refused.
import {
  Kind,
  getNamedType,
  isLeafType,
  isObjectType,
  isInterfaceType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldMap,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export const MAX_SINGLE_QUERY_COST = 1000;
export const MUTATION_COST = 10;

interface Ctx {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

function argInt(field: FieldNode, name: string, vars: Record<string, unknown>): number | undefined {
  const arg = field.arguments?.find((a) => a.name.value === name);
  if (arg === undefined) return undefined;
  const v: ValueNode = arg.value;
  if (v.kind === Kind.INT) return Number(v.value);
  if (v.kind === Kind.VARIABLE) {
    const x = vars[v.name.value];
    return typeof x === 'number' ? x : undefined;
  }
  return undefined;
}

function fieldsOf(type: GraphQLNamedType): GraphQLFieldMap<unknown, unknown> | undefined {
  return isObjectType(type) || isInterfaceType(type) ? type.getFields() : undefined;
}

function record(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Cost of a selection set on `type`; with `data`, list sizes come from what was returned. */
function selectionCost(ctx: Ctx, set: SelectionSetNode, type: GraphQLNamedType, data: Record<string, unknown> | null | undefined): number {
  let total = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      total += fieldCost(ctx, sel, type, data);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      const cond = sel.typeCondition ? ctx.schema.getType(sel.typeCondition.name.value) : type;
      if (cond) total += selectionCost(ctx, sel.selectionSet, cond, data);
    } else {
      const frag = ctx.fragments.get(sel.name.value);
      const cond = frag ? ctx.schema.getType(frag.typeCondition.name.value) : undefined;
      if (frag && cond) total += selectionCost(ctx, frag.selectionSet, cond, data);
    }
  }
  return total;
}

function fieldCost(ctx: Ctx, field: FieldNode, parent: GraphQLNamedType, parentData: Record<string, unknown> | null | undefined): number {
  const name = field.name.value;
  if (name.startsWith('__')) return 0;
  const def = fieldsOf(parent)?.[name];
  if (def === undefined) return 0;
  const named = getNamedType(def.type);
  if (isLeafType(named) || field.selectionSet === undefined) return 0;
  const key = field.alias?.value ?? name;
  const value = parentData === undefined ? undefined : parentData === null ? null : parentData[key];
  if (value === null) return named.name.endsWith('Connection') ? 2 : 1;

  if (named.name.endsWith('Connection')) {
    const conn = record(value);
    let total = 2;
    for (const sel of field.selectionSet.selections) {
      if (sel.kind !== Kind.FIELD) continue;
      const child = fieldsOf(named)?.[sel.name.value];
      if (child === undefined || sel.selectionSet === undefined) continue;
      const childType = getNamedType(child.type);
      const items = conn?.[sel.alias?.value ?? sel.name.value];
      const list = Array.isArray(items) ? items.map(record) : undefined;
      if (sel.name.value === 'nodes' || sel.name.value === 'edges') {
        const perNode = (item: Record<string, unknown> | null | undefined): number =>
          (sel.name.value === 'nodes' ? 1 : 0) + selectionCost(ctx, sel.selectionSet as SelectionSetNode, childType, item);
        if (list !== undefined) total += list.reduce((sum, item) => sum + perNode(item), 0);
        else {
          const n = argInt(field, 'first', ctx.variables) ?? argInt(field, 'last', ctx.variables) ?? 0;
          total += n * perNode(undefined);
        }
      } else {
        total += 1 + selectionCost(ctx, sel.selectionSet, childType, record(items) ?? (conn === null ? undefined : null));
      }
    }
    return total;
  }
  const obj = Array.isArray(value) ? record(value[0]) : record(value);
  return 1 + selectionCost(ctx, field.selectionSet, named, value === undefined ? undefined : obj);
}

/** Requested cost (data undefined) or actual cost (data = the execution result's data). */
export function queryCost(
  schema: GraphQLSchema,
  op: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  data?: Record<string, unknown> | null,
): number {
  const ctx: Ctx = { schema, fragments, variables };
  const root = op.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!root) return 0;
  let total = 0;
  for (const sel of op.selectionSet.selections) {
    if (sel.kind !== Kind.FIELD) {
      total += selectionCost(ctx, { kind: Kind.SELECTION_SET, selections: [sel] }, root, data);
      continue;
    }
    const fc = fieldCost(ctx, sel, root, data);
    total += op.operation === 'mutation' && !sel.name.value.startsWith('__') ? MUTATION_COST + Math.max(0, fc - 1) : fc;
  }
  return total;
}

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export class LeakyBucket {
  constructor(
    readonly maximumAvailable: number,
    readonly restoreRate: number,
  ) {}

  level(b: { available: number; at: number }, now: number): number {
    return Math.min(this.maximumAvailable, b.available + ((now - b.at) / 1000) * this.restoreRate);
  }

  /** Books `cost` if the bucket can pay it; false means THROTTLED. */
  take(b: { available: number; at: number }, cost: number, now: number): boolean {
    const level = this.level(b, now);
    if (level < cost) return false;
    b.available = level - cost;
    b.at = now;
    return true;
  }

  refund(b: { available: number; at: number }, points: number, now: number): void {
    b.available = Math.min(this.maximumAvailable, this.level(b, now) + points);
    b.at = now;
  }

  status(b: { available: number; at: number }, now: number): ThrottleStatus {
    return {
      maximumAvailable: this.maximumAvailable,
      currentlyAvailable: Math.floor(this.level(b, now)),
      restoreRate: this.restoreRate,
    };
  }
}
