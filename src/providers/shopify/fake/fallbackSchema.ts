// The subset of the Admin API (2025-01) the fake implements, used only when the
// real introspection file is missing. It lets the sandbox and the non-schema
// tests run; it proves nothing about conformance, which is why requests served
// with it count as unvalidated.
export const FALLBACK_SDL = /* GraphQL */ `
  scalar DateTime
  scalar Money
  scalar Decimal
  scalar URL
  scalar HTML
  enum ProductStatus { ACTIVE ARCHIVED DRAFT }
  enum WebhookSubscriptionFormat { JSON XML }
  enum WebhookSubscriptionTopic {
    APP_UNINSTALLED ORDERS_CREATE ORDERS_UPDATED PRODUCTS_CREATE PRODUCTS_UPDATE PRODUCTS_DELETE INVENTORY_LEVELS_UPDATE
  }
  enum ProductSortKeys { ID TITLE UPDATED_AT CREATED_AT }
  enum OrderSortKeys { ID UPDATED_AT CREATED_AT }
  enum OrderDisplayFinancialStatus { PENDING AUTHORIZED PARTIALLY_PAID PARTIALLY_REFUNDED VOIDED PAID REFUNDED EXPIRED }
  type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
  type UserError { field: [String!] message: String! }
  type ProductSetUserError { field: [String!] message: String! code: String }
  type MoneyV2 { amount: Decimal! currencyCode: String! }
  type MoneyBag { shopMoney: MoneyV2! presentmentMoney: MoneyV2! }
  type InventoryItem { id: ID! sku: String tracked: Boolean! }
  type ProductOption { id: ID! name: String! position: Int! values: [String!]! }
  type SelectedOption { name: String! value: String! }
  type ProductVariant {
    id: ID! sku: String barcode: String price: Money! title: String! inventoryQuantity: Int
    selectedOptions: [SelectedOption!]! inventoryItem: InventoryItem! createdAt: DateTime! updatedAt: DateTime!
  }
  type ProductVariantEdge { cursor: String! node: ProductVariant! }
  type ProductVariantConnection { edges: [ProductVariantEdge!]! nodes: [ProductVariant!]! pageInfo: PageInfo! }
  type Product {
    id: ID! title: String! handle: String! status: ProductStatus! vendor: String! productType: String!
    descriptionHtml: HTML! createdAt: DateTime! updatedAt: DateTime! totalInventory: Int!
    options(first: Int): [ProductOption!]!
    variants(first: Int, after: String, last: Int, before: String): ProductVariantConnection!
  }
  type ProductEdge { cursor: String! node: Product! }
  type ProductConnection { edges: [ProductEdge!]! nodes: [Product!]! pageInfo: PageInfo! }
  type LineItem { id: ID! sku: String title: String! name: String! quantity: Int! originalUnitPriceSet: MoneyBag! }
  type LineItemEdge { cursor: String! node: LineItem! }
  type LineItemConnection { edges: [LineItemEdge!]! nodes: [LineItem!]! pageInfo: PageInfo! }
  type Order {
    id: ID! name: String! displayFinancialStatus: OrderDisplayFinancialStatus currencyCode: String!
    createdAt: DateTime! updatedAt: DateTime! totalPriceSet: MoneyBag!
    lineItems(first: Int, after: String, last: Int, before: String): LineItemConnection!
  }
  type OrderEdge { cursor: String! node: Order! }
  type OrderConnection { edges: [OrderEdge!]! nodes: [Order!]! pageInfo: PageInfo! }
  type Location { id: ID! name: String! isActive: Boolean! }
  type LocationEdge { cursor: String! node: Location! }
  type LocationConnection { edges: [LocationEdge!]! nodes: [Location!]! pageInfo: PageInfo! }
  type WebhookHttpEndpoint { callbackUrl: URL! }
  union WebhookSubscriptionEndpoint = WebhookHttpEndpoint
  type WebhookSubscription {
    id: ID! topic: WebhookSubscriptionTopic! callbackUrl: URL! format: WebhookSubscriptionFormat!
    endpoint: WebhookSubscriptionEndpoint! createdAt: DateTime! updatedAt: DateTime!
  }
  type WebhookSubscriptionEdge { cursor: String! node: WebhookSubscription! }
  type WebhookSubscriptionConnection { edges: [WebhookSubscriptionEdge!]! nodes: [WebhookSubscription!]! pageInfo: PageInfo! }
  type Shop { id: ID! name: String! myshopifyDomain: String! currencyCode: String! }
  type Query {
    shop: Shop!
    product(id: ID!): Product
    order(id: ID!): Order
    products(first: Int, after: String, last: Int, before: String, reverse: Boolean, sortKey: ProductSortKeys, query: String): ProductConnection!
    orders(first: Int, after: String, last: Int, before: String, reverse: Boolean, sortKey: OrderSortKeys, query: String): OrderConnection!
    locations(first: Int, after: String, last: Int, before: String): LocationConnection!
    webhookSubscriptions(first: Int, after: String, last: Int, before: String, callbackUrl: URL, topics: [WebhookSubscriptionTopic!]): WebhookSubscriptionConnection!
  }
  input OptionValueSetInput { id: ID name: String }
  input OptionSetInput { id: ID name: String position: Int values: [OptionValueSetInput!] }
  input VariantOptionValueInput { id: ID name: String optionId: ID optionName: String }
  input ProductSetInventoryInput { locationId: ID! name: String! quantity: Int! }
  input InventoryItemInput { sku: String tracked: Boolean }
  input ProductVariantSetInput {
    id: ID barcode: String price: Money sku: String optionValues: [VariantOptionValueInput!]!
    inventoryItem: InventoryItemInput inventoryQuantities: [ProductSetInventoryInput!] position: Int
  }
  input ProductSetInput {
    id: ID title: String handle: String descriptionHtml: String vendor: String productType: String
    status: ProductStatus productOptions: [OptionSetInput!] variants: [ProductVariantSetInput!]
  }
  input ProductDeleteInput { id: ID! }
  input WebhookSubscriptionInput { callbackUrl: URL format: WebhookSubscriptionFormat }
  type ProductSetPayload { product: Product userErrors: [ProductSetUserError!]! }
  type ProductDeletePayload { deletedProductId: ID shop: Shop! userErrors: [UserError!]! }
  type WebhookSubscriptionCreatePayload { webhookSubscription: WebhookSubscription userErrors: [UserError!]! }
  type WebhookSubscriptionDeletePayload { deletedWebhookSubscriptionId: ID userErrors: [UserError!]! }
  type Mutation {
    productSet(input: ProductSetInput!, synchronous: Boolean): ProductSetPayload
    productDelete(input: ProductDeleteInput!, synchronous: Boolean): ProductDeletePayload
    webhookSubscriptionCreate(topic: WebhookSubscriptionTopic!, webhookSubscription: WebhookSubscriptionInput!): WebhookSubscriptionCreatePayload
    webhookSubscriptionDelete(id: ID!): WebhookSubscriptionDeletePayload
  }
`;
