/**
 * Webhook bodies as Shopify sends them: REST-shaped JSON (snake_case, numeric ids, plus
 * `admin_graphql_api_id`), and the compliance topics' documented shapes.
 */
import { FakeShop, gid, type FakeCustomer, type FakeOrder, type FakeProduct } from './state.ts';

export function productPayload(_shop: FakeShop, p: FakeProduct): Record<string, unknown> {
  return {
    admin_graphql_api_id: gid('Product', p.id),
    id: p.id,
    title: p.title,
    body_html: p.descriptionHtml,
    handle: p.handle,
    vendor: p.vendor,
    product_type: p.productType,
    status: p.status.toLowerCase(),
    tags: p.tags.join(', '),
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    published_at: p.publishedOnline ? p.createdAt : null,
    published_scope: 'global',
    options: p.options.map((o, i) => ({ name: o.name, position: i + 1, values: o.values, product_id: p.id })),
    variants: p.variants.map((v, i) => ({
      admin_graphql_api_id: gid('ProductVariant', v.id),
      id: v.id,
      product_id: p.id,
      title: v.title,
      price: v.price,
      compare_at_price: v.compareAtPrice,
      sku: v.sku,
      barcode: v.barcode,
      position: i + 1,
      inventory_quantity: v.inventoryQuantity,
      option1: v.selectedOptions[0]?.value ?? null,
      option2: v.selectedOptions[1]?.value ?? null,
      option3: v.selectedOptions[2]?.value ?? null,
      image_id: v.imageId,
      created_at: v.createdAt,
      updated_at: v.updatedAt,
    })),
    images: p.images.map((img, i) => ({
      admin_graphql_api_id: gid('ProductImage', img.id),
      id: img.id,
      product_id: p.id,
      position: i + 1,
      src: img.url,
      alt: img.altText,
      width: img.width,
      height: img.height,
    })),
    image: p.images[0] ? { id: p.images[0].id, src: p.images[0].url, alt: p.images[0].altText } : null,
  };
}

/** products/delete carries only the id. */
export function productDeletePayload(id: number): Record<string, unknown> {
  return { id };
}

export function customerPayload(c: FakeCustomer): Record<string, unknown> {
  return {
    admin_graphql_api_id: gid('Customer', c.id),
    id: c.id,
    email: c.email,
    first_name: c.firstName,
    last_name: c.lastName,
    phone: c.phone,
    tags: c.tags.join(', '),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export function orderPayload(shop: FakeShop, o: FakeOrder): Record<string, unknown> {
  const customer = o.customerId != null ? shop.customers.get(o.customerId) : undefined;
  const status = FakeShop.fulfillmentStatus(o);
  return {
    admin_graphql_api_id: gid('Order', o.id),
    id: o.id,
    name: o.name,
    order_number: o.number,
    number: o.number - 1000,
    email: o.email,
    contact_email: o.email,
    phone: o.phone,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
    processed_at: o.processedAt,
    cancelled_at: o.cancelledAt,
    closed_at: o.closedAt,
    currency: o.currencyCode,
    financial_status: o.financialStatus.toLowerCase(),
    fulfillment_status: status === 'FULFILLED' ? 'fulfilled' : status === 'PARTIALLY_FULFILLED' ? 'partial' : null,
    total_price: o.lineItems.reduce((n, li) => n + Number(li.price) * li.quantity, 0).toFixed(2),
    customer: customer ? customerPayload(customer) : null,
    line_items: o.lineItems.map((li) => ({
      admin_graphql_api_id: gid('LineItem', li.id),
      id: li.id,
      title: li.title,
      variant_title: li.variantTitle,
      quantity: li.quantity,
      sku: li.sku,
      price: li.price,
      product_id: li.productId,
      variant_id: li.variantId,
    })),
    fulfillments: o.fulfillments.map((f) => ({
      admin_graphql_api_id: gid('Fulfillment', f.id),
      id: f.id,
      order_id: o.id,
      status: f.status.toLowerCase(),
      created_at: f.createdAt,
      updated_at: f.updatedAt,
      tracking_company: f.trackingInfo[0]?.company ?? null,
      tracking_number: f.trackingInfo[0]?.number ?? null,
      tracking_numbers: f.trackingInfo.map((t) => t.number),
      tracking_url: f.trackingInfo[0]?.url ?? null,
      tracking_urls: f.trackingInfo.map((t) => t.url),
    })),
    order_status_url: `https://${shop.primaryDomainHost}/${shop.id}/orders/${o.id}/authenticate?key=fake`,
  };
}

/** app/uninstalled carries the shop resource. */
export function shopPayload(shop: FakeShop): Record<string, unknown> {
  return {
    id: shop.id,
    name: shop.name,
    email: shop.email,
    domain: shop.primaryDomainHost,
    myshopify_domain: shop.domain,
    currency: shop.currencyCode,
    iana_timezone: shop.ianaTimezone,
  };
}

export function customersDataRequestPayload(shop: FakeShop, customer: { id: number; email: string; phone?: string | null }, ordersRequested: number[] = [], dataRequestId = 9999): Record<string, unknown> {
  return {
    shop_id: shop.id,
    shop_domain: shop.domain,
    orders_requested: ordersRequested,
    customer: { id: customer.id, email: customer.email, phone: customer.phone ?? null },
    data_request: { id: dataRequestId },
  };
}

export function customersRedactPayload(shop: FakeShop, customer: { id: number; email: string; phone?: string | null }, ordersToRedact: number[] = []): Record<string, unknown> {
  return {
    shop_id: shop.id,
    shop_domain: shop.domain,
    customer: { id: customer.id, email: customer.email, phone: customer.phone ?? null },
    orders_to_redact: ordersToRedact,
  };
}

export function shopRedactPayload(shop: FakeShop): Record<string, unknown> {
  return { shop_id: shop.id, shop_domain: shop.domain };
}
