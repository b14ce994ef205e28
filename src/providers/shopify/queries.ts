// Every GraphQL document the connector sends, with the cost Shopify will ask for
// up front. Costs follow Shopify's published model: object 1, scalar/enum 0,
// connection 2 + first x (node cost), mutation 10. Shopify refuses any single
// query above 1000 points, which is what sets the page sizes below.

/** variants(first: 250) is the most one page can hold; 10 + product 1 + (2 + 250) + userErrors 1 = 264. */
export const PRODUCT_SET = {
  cost: 264,
  query: /* GraphQL */ `
    mutation SynqProductSet($input: ProductSetInput!) {
      productSet(input: $input, synchronous: true) {
        product { id variants(first: 250) { nodes { id sku } } }
        userErrors { field message code }
      }
    }`,
};

/**
 * Several productSet mutations in one document, one alias each (Shopify runs a document's
 * mutations in order). `variants(first: n)` asks for exactly the variants each product will
 * have, so one costs 14 + n points (mutation 10, product 1, connection 2 + n, userErrors 1)
 * instead of the 264 of first: 250, and a document stays under the 1,000-point single-query limit.
 */
export function productSetMany(variantCounts: readonly number[]): { query: string; cost: number } {
  const vars = variantCounts.map((_, i) => `$i${i}: ProductSetInput!`).join(', ');
  const fields = variantCounts
    .map((n, i) => `p${i}: productSet(input: $i${i}, synchronous: true) { product { id variants(first: ${n}) { nodes { id sku } } } userErrors { field message code } }`)
    .join('\n      ');
  return {
    query: `mutation SynqProductSetMany(${vars}) {\n      ${fields}\n    }`,
    cost: variantCounts.reduce((sum, n) => sum + productSetCost(n), 0),
  };
}

/** The requested cost of one productSet alias of productSetMany. */
export const productSetCost = (variants: number): number => 14 + variants;

/** 10 + userErrors 1. */
export const PRODUCT_DELETE = {
  cost: 11,
  query: /* GraphQL */ `
    mutation SynqProductDelete($input: ProductDeleteInput!) {
      productDelete(input: $input, synchronous: true) {
        deletedProductId
        userErrors { field message }
      }
    }`,
};

/** 2 + 1 location. */
export const FIRST_LOCATION = {
  cost: 3,
  query: /* GraphQL */ `
    query SynqFirstLocation {
      locations(first: 1) { nodes { id } }
    }`,
};

/** 10 + subscription 1 + userErrors 1. */
export const WEBHOOK_CREATE = {
  cost: 12,
  query: /* GraphQL */ `
    mutation SynqWebhookCreate($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
      webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
        webhookSubscription { id topic }
        userErrors { field message }
      }
    }`,
};

/** Looks up an existing subscription when create says the address is taken: 2 + 10 nodes. */
export const WEBHOOK_FIND = {
  cost: 12,
  query: /* GraphQL */ `
    query SynqWebhookFind($topic: WebhookSubscriptionTopic!, $url: URL!) {
      webhookSubscriptions(first: 10, topics: [$topic], callbackUrl: $url) { nodes { id topic } }
    }`,
};

/** 10 + userErrors 1. */
export const WEBHOOK_DELETE = {
  cost: 11,
  query: /* GraphQL */ `
    mutation SynqWebhookDelete($id: ID!) {
      webhookSubscriptionDelete(id: $id) {
        deletedWebhookSubscriptionId
        userErrors { field message }
      }
    }`,
};

/**
 * 100 products per page with their first 5 SKUs: 2 + 100 x (1 + variants(2 + 5 + pageInfo 1)) + pageInfo 1 = 903.
 * Six SKUs would make it 1003, over the 1000 single-query cap; products with more variants are
 * completed with PRODUCT_VARIANTS.
 */
export const LIST_PRODUCTS = {
  cost: 903,
  query: /* GraphQL */ `
    query SynqListProducts($after: String) {
      products(first: 100, after: $after, sortKey: ID) {
        nodes {
          id
          updatedAt
          variants(first: 5) { nodes { sku } pageInfo { hasNextPage endCursor } }
        }
        pageInfo { hasNextPage endCursor }
      }
    }`,
};

/** product 1 + variants (2 + 250 + pageInfo 1) = 254. */
export const PRODUCT_VARIANTS = {
  cost: 254,
  query: /* GraphQL */ `
    query SynqProductVariants($id: ID!, $after: String) {
      product(id: $id) {
        variants(first: 250, after: $after) { nodes { sku } pageInfo { hasNextPage endCursor } }
      }
    }`,
};

/**
 * 25 orders with their first 10 line items: each order 1 + totalPriceSet 2 + lineItems (2 + 10 x 3 + 1) = 36,
 * so 2 + 25 x 36 + pageInfo 1 = 903. Longer orders are completed with ORDER_LINE_ITEMS.
 */
export const LIST_ORDERS = {
  cost: 903,
  query: /* GraphQL */ `
    query SynqListOrders($after: String, $query: String) {
      orders(first: 25, after: $after, query: $query, sortKey: UPDATED_AT) {
        nodes {
          ...SynqOrder
          lineItems(first: 10) { ...SynqLineItems }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
    fragment SynqOrder on Order {
      id
      name
      displayFinancialStatus
      currencyCode
      createdAt
      updatedAt
      totalPriceSet { shopMoney { amount currencyCode } }
    }
    fragment SynqLineItems on LineItemConnection {
      nodes { sku title quantity originalUnitPriceSet { shopMoney { amount } } }
      pageInfo { hasNextPage endCursor }
    }`,
};

/** order 1 + lineItems (2 + 100 x 3 + 1) = 304. */
export const ORDER_LINE_ITEMS = {
  cost: 304,
  query: /* GraphQL */ `
    query SynqOrderLineItems($id: ID!, $after: String) {
      order(id: $id) {
        lineItems(first: 100, after: $after) {
          nodes { sku title quantity originalUnitPriceSet { shopMoney { amount } } }
          pageInfo { hasNextPage endCursor }
        }
      }
    }`,
};

/** 2 + 1 product. Shopify's product search supports `sku:` terms joined with OR. */
export const FIND_PRODUCT_BY_SKU = {
  cost: 3,
  query: /* GraphQL */ `
    query SynqFindProductBySku($query: String!) {
      products(first: 1, query: $query) { nodes { id } }
    }`,
};

/** 10 + stagedTargets 1 + parameters 1 + userErrors 1. */
export const STAGED_UPLOADS_CREATE = {
  cost: 13,
  query: /* GraphQL */ `
    mutation SynqStagedUpload($input: [StagedUploadInput!]!) {
      stagedUploadsCreate(input: $input) {
        stagedTargets { url parameters { name value } }
        userErrors { field message }
      }
    }`,
};

/** 10 + bulkOperation 1 + userErrors 1. */
export const BULK_OPERATION_RUN_MUTATION = {
  cost: 12,
  query: /* GraphQL */ `
    mutation SynqBulkRun($mutation: String!, $stagedUploadPath: String!) {
      bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $stagedUploadPath) {
        bulkOperation { id status }
        userErrors { field message code }
      }
    }`,
};

/** The mutation each JSONL line runs (its variables are the line). */
export const BULK_PRODUCT_SET_LINE = /* GraphQL */ `
  mutation SynqBulkProductSet($input: ProductSetInput!) {
    productSet(input: $input) {
      product { id variants(first: 250) { nodes { id sku } } }
      userErrors { field message code }
    }
  }`;

/** node 1 (+ the BulkOperation fragment's scalars, 0). */
export const BULK_OPERATION_NODE = {
  cost: 2,
  query: /* GraphQL */ `
    query SynqBulkOperation($id: ID!) {
      node(id: $id) { ... on BulkOperation { id status errorCode objectCount url } }
    }`,
};

/** currentBulkOperation 1. */
export const CURRENT_BULK_MUTATION = {
  cost: 2,
  query: /* GraphQL */ `
    query SynqCurrentBulkMutation {
      currentBulkOperation(type: MUTATION) { id status }
    }`,
};
