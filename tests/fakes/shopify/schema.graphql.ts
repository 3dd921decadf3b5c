/** The subset of Shopify's Admin GraphQL schema (2025-10) that the fake executes. Names and types follow Shopify's. */
export const adminSchemaSdl = /* GraphQL */ `
  scalar DateTime
  scalar Money
  scalar URL
  scalar HTML
  scalar UnsignedInt64
  scalar Decimal

  interface Node {
    id: ID!
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  enum CurrencyCode {
    AUD BRL CAD CHF CNY CZK DKK EUR GBP HKD INR JPY KRW MXN NOK NZD PLN SEK SGD USD ZAR
  }

  type Count {
    count: Int!
    precision: CountPrecision!
  }
  enum CountPrecision {
    EXACT
    AT_LEAST
  }

  type Domain {
    id: ID!
    host: String!
    url: URL!
    sslEnabled: Boolean!
  }
  type ShopPlan {
    displayName: String!
    partnerDevelopment: Boolean!
    shopifyPlus: Boolean!
  }
  type Shop implements Node {
    id: ID!
    name: String!
    email: String!
    contactEmail: String!
    myshopifyDomain: String!
    primaryDomain: Domain!
    currencyCode: CurrencyCode!
    ianaTimezone: String!
    url: URL!
    plan: ShopPlan!
  }

  type MoneyV2 {
    amount: Decimal!
    currencyCode: CurrencyCode!
  }
  type MoneyBag {
    shopMoney: MoneyV2!
    presentmentMoney: MoneyV2!
  }
  type ProductPriceRangeV2 {
    minVariantPrice: MoneyV2!
    maxVariantPrice: MoneyV2!
  }

  input ImageTransformInput {
    maxWidth: Int
    maxHeight: Int
    crop: String
    scale: Int
    preferredContentType: String
  }
  type Image {
    id: ID
    url(transform: ImageTransformInput): URL!
    altText: String
    width: Int
    height: Int
  }
  type ImageEdge {
    cursor: String!
    node: Image!
  }
  type ImageConnection {
    edges: [ImageEdge!]!
    nodes: [Image!]!
    pageInfo: PageInfo!
  }

  type SelectedOption {
    name: String!
    value: String!
  }
  type ProductOption implements Node {
    id: ID!
    name: String!
    position: Int!
    values: [String!]!
  }

  enum ProductStatus {
    ACTIVE
    ARCHIVED
    DRAFT
  }
  enum ProductSortKeys {
    ID
    TITLE
    CREATED_AT
    UPDATED_AT
    PRODUCT_TYPE
    VENDOR
    RELEVANCE
  }
  input ProductIdentifierInput {
    id: ID
    handle: String
  }

  type Product implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    title: String!
    handle: String!
    description(truncateAt: Int): String!
    descriptionHtml: HTML!
    vendor: String!
    productType: String!
    tags: [String!]!
    status: ProductStatus!
    createdAt: DateTime!
    updatedAt: DateTime!
    publishedAt: DateTime
    onlineStoreUrl: URL
    onlineStorePreviewUrl: URL
    totalInventory: Int!
    tracksInventory: Boolean!
    hasOnlyDefaultVariant: Boolean!
    options(first: Int): [ProductOption!]!
    priceRangeV2: ProductPriceRangeV2!
    featuredImage: Image
    images(first: Int, after: String, last: Int, before: String, reverse: Boolean = false): ImageConnection!
    variants(first: Int, after: String, last: Int, before: String, reverse: Boolean = false): ProductVariantConnection!
    variantsCount: Count
  }
  type ProductEdge {
    cursor: String!
    node: Product!
  }
  type ProductConnection {
    edges: [ProductEdge!]!
    nodes: [Product!]!
    pageInfo: PageInfo!
  }

  type ProductVariant implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    title: String!
    displayName: String!
    price: Money!
    compareAtPrice: Money
    sku: String
    barcode: String
    position: Int!
    availableForSale: Boolean!
    inventoryQuantity: Int
    selectedOptions: [SelectedOption!]!
    image: Image
    product: Product!
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  type ProductVariantEdge {
    cursor: String!
    node: ProductVariant!
  }
  type ProductVariantConnection {
    edges: [ProductVariantEdge!]!
    nodes: [ProductVariant!]!
    pageInfo: PageInfo!
  }

  type CustomerEmailAddress {
    emailAddress: String
  }
  type Customer implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    email: String
    defaultEmailAddress: CustomerEmailAddress
    firstName: String
    lastName: String
    displayName: String!
    phone: String
    tags: [String!]!
    createdAt: DateTime!
    updatedAt: DateTime!
    numberOfOrders: UnsignedInt64!
    orders(first: Int, after: String, last: Int, before: String, reverse: Boolean = false, sortKey: OrderSortKeys = ID, query: String): OrderConnection!
  }
  type CustomerEdge {
    cursor: String!
    node: Customer!
  }
  type CustomerConnection {
    edges: [CustomerEdge!]!
    nodes: [Customer!]!
    pageInfo: PageInfo!
  }

  enum OrderDisplayFinancialStatus {
    PENDING
    AUTHORIZED
    PARTIALLY_PAID
    PARTIALLY_REFUNDED
    VOIDED
    PAID
    REFUNDED
    EXPIRED
  }
  enum OrderDisplayFulfillmentStatus {
    UNFULFILLED
    PARTIALLY_FULFILLED
    FULFILLED
    RESTOCKED
    PENDING_FULFILLMENT
    OPEN
    IN_PROGRESS
    ON_HOLD
    SCHEDULED
    REQUEST_DECLINED
  }
  enum OrderSortKeys {
    ID
    CREATED_AT
    UPDATED_AT
    PROCESSED_AT
    ORDER_NUMBER
    RELEVANCE
  }
  enum FulfillmentStatus {
    CANCELLED
    ERROR
    FAILURE
    SUCCESS
    OPEN
    PENDING
  }
  enum FulfillmentDisplayStatus {
    ATTEMPTED_DELIVERY
    CANCELED
    CONFIRMED
    DELIVERED
    FAILURE
    FULFILLED
    IN_TRANSIT
    LABEL_PRINTED
    LABEL_PURCHASED
    MARKED_AS_FULFILLED
    NOT_DELIVERED
    OUT_FOR_DELIVERY
    PICKED_UP
    READY_FOR_PICKUP
    SUBMITTED
  }
  type FulfillmentTrackingInfo {
    number: String
    url: URL
    company: String
  }
  type Fulfillment implements Node {
    id: ID!
    name: String!
    status: FulfillmentStatus!
    displayStatus: FulfillmentDisplayStatus
    createdAt: DateTime!
    updatedAt: DateTime!
    trackingInfo(first: Int): [FulfillmentTrackingInfo!]!
  }
  type LineItem implements Node {
    id: ID!
    title: String!
    name: String!
    quantity: Int!
    sku: String
    variantTitle: String
    variant: ProductVariant
    product: Product
    originalUnitPriceSet: MoneyBag!
  }
  type LineItemEdge {
    cursor: String!
    node: LineItem!
  }
  type LineItemConnection {
    edges: [LineItemEdge!]!
    nodes: [LineItem!]!
    pageInfo: PageInfo!
  }
  type Order implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    name: String!
    email: String
    phone: String
    createdAt: DateTime!
    updatedAt: DateTime!
    processedAt: DateTime!
    cancelledAt: DateTime
    closed: Boolean!
    closedAt: DateTime
    confirmed: Boolean!
    displayFinancialStatus: OrderDisplayFinancialStatus
    displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
    currencyCode: CurrencyCode!
    totalPriceSet: MoneyBag!
    subtotalPriceSet: MoneyBag
    customer: Customer
    lineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean = false): LineItemConnection!
    fulfillments(first: Int): [Fulfillment!]!
    statusPageUrl: URL!
  }
  type OrderEdge {
    cursor: String!
    node: Order!
  }
  type OrderConnection {
    edges: [OrderEdge!]!
    nodes: [Order!]!
    pageInfo: PageInfo!
  }

  enum BulkOperationStatus {
    CANCELED
    CANCELING
    COMPLETED
    CREATED
    EXPIRED
    FAILED
    RUNNING
  }
  enum BulkOperationType {
    QUERY
    MUTATION
  }
  enum BulkOperationErrorCode {
    ACCESS_DENIED
    INTERNAL_SERVER_ERROR
    TIMEOUT
  }
  type BulkOperation implements Node {
    id: ID!
    status: BulkOperationStatus!
    type: BulkOperationType!
    errorCode: BulkOperationErrorCode
    createdAt: DateTime!
    completedAt: DateTime
    objectCount: UnsignedInt64!
    rootObjectCount: UnsignedInt64!
    fileSize: UnsignedInt64
    url: URL
    partialDataUrl: URL
    query: String!
  }
  enum BulkOperationUserErrorCode {
    INVALID
    OPERATION_IN_PROGRESS
  }
  type BulkOperationUserError {
    field: [String!]
    message: String!
    code: BulkOperationUserErrorCode
  }
  type BulkOperationRunQueryPayload {
    bulkOperation: BulkOperation
    userErrors: [BulkOperationUserError!]!
  }
  type UserError {
    field: [String!]
    message: String!
  }
  type BulkOperationCancelPayload {
    bulkOperation: BulkOperation
    userErrors: [UserError!]!
  }

  enum WebhookSubscriptionTopic {
    PRODUCTS_CREATE
    PRODUCTS_UPDATE
    PRODUCTS_DELETE
    ORDERS_CREATE
    ORDERS_UPDATED
    ORDERS_FULFILLED
    CUSTOMERS_CREATE
    CUSTOMERS_UPDATE
    APP_UNINSTALLED
    BULK_OPERATIONS_FINISH
  }
  enum WebhookSubscriptionFormat {
    JSON
    XML
  }
  input WebhookSubscriptionInput {
    uri: String
    callbackUrl: URL
    format: WebhookSubscriptionFormat
    includeFields: [String!]
  }
  type WebhookSubscription implements Node {
    id: ID!
    topic: WebhookSubscriptionTopic!
    uri: String!
    format: WebhookSubscriptionFormat!
    includeFields: [String!]!
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  type WebhookSubscriptionEdge {
    cursor: String!
    node: WebhookSubscription!
  }
  type WebhookSubscriptionConnection {
    edges: [WebhookSubscriptionEdge!]!
    nodes: [WebhookSubscription!]!
    pageInfo: PageInfo!
  }
  type WebhookSubscriptionCreatePayload {
    webhookSubscription: WebhookSubscription
    userErrors: [UserError!]!
  }
  type WebhookSubscriptionDeletePayload {
    deletedWebhookSubscriptionId: ID
    userErrors: [UserError!]!
  }

  type AccessScope {
    handle: String!
    description: String!
  }
  type AppInstallation implements Node {
    id: ID!
    accessScopes: [AccessScope!]!
  }

  type QueryRoot {
    shop: Shop!
    node(id: ID!): Node
    nodes(ids: [ID!]!): [Node]!
    currentAppInstallation: AppInstallation!
    product(id: ID!): Product
    productByIdentifier(identifier: ProductIdentifierInput!): Product
    products(first: Int, after: String, last: Int, before: String, reverse: Boolean = false, sortKey: ProductSortKeys = ID, query: String): ProductConnection!
    productsCount(query: String, limit: Int): Count
    productVariant(id: ID!): ProductVariant
    order(id: ID!): Order
    orders(first: Int, after: String, last: Int, before: String, reverse: Boolean = false, sortKey: OrderSortKeys = ID, query: String): OrderConnection!
    customer(id: ID!): Customer
    customers(first: Int, after: String, last: Int, before: String, reverse: Boolean = false, query: String): CustomerConnection!
    currentBulkOperation(type: BulkOperationType = QUERY): BulkOperation
    bulkOperation(id: ID!): BulkOperation
    webhookSubscriptions(first: Int, after: String, last: Int, before: String, reverse: Boolean = false, topics: [WebhookSubscriptionTopic!]): WebhookSubscriptionConnection!
  }

  type Mutation {
    bulkOperationRunQuery(query: String!, groupObjects: Boolean = true): BulkOperationRunQueryPayload
    bulkOperationCancel(id: ID!): BulkOperationCancelPayload
    webhookSubscriptionCreate(topic: WebhookSubscriptionTopic!, webhookSubscription: WebhookSubscriptionInput!): WebhookSubscriptionCreatePayload
    webhookSubscriptionDelete(id: ID!): WebhookSubscriptionDeletePayload
  }

  schema {
    query: QueryRoot
    mutation: Mutation
  }
`;
