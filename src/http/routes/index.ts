// Every endpoint, one file each. Public routes authenticate themselves (signatures,
// OAuth state); tenant routes sit behind the bearer-token hook in app.ts.
import type { RouteModule } from '../app.ts';
import { health } from './ops/health.ts';
import { createProduct } from './pim/createProduct.ts';
import { listProducts } from './pim/listProducts.ts';
import { getProduct } from './pim/getProduct.ts';
import { updateProduct } from './pim/updateProduct.ts';
import { deleteProduct } from './pim/deleteProduct.ts';
import { createVariant } from './pim/createVariant.ts';
import { authUrl } from './integrations/authUrl.ts';
import { connectPage } from './integrations/connectPage.ts';
import { oauthCallback } from './integrations/oauthCallback.ts';
import { keyCallback } from './integrations/keyCallback.ts';
import { keyReturn } from './integrations/keyReturn.ts';
import { saveConnection } from './integrations/saveConnection.ts';
import { listConnections } from './integrations/listConnections.ts';
import { deleteConnection } from './integrations/deleteConnection.ts';
import { getInbound } from './integrations/getInbound.ts';
import { rotateInboundSecret } from './integrations/rotateInboundSecret.ts';
import { pushProduct } from './sync/pushProduct.ts';
import { getPushJob } from './sync/getPushJob.ts';
import { pushProducts } from './sync/pushProducts.ts';
import { getBatch } from './sync/getBatch.ts';
import { unifiedWebhook } from './webhooks/unifiedWebhook.ts';
import { providerWebhooks } from './webhooks/providerWebhooks.ts';
import { listOrders } from './oms/listOrders.ts';
import { getOrder } from './oms/getOrder.ts';
import { getCatalogFeed } from './ucp/getCatalogFeed.ts';
import { putCatalogStore } from './ucp/putCatalogStore.ts';
import { getFeedFile } from './feeds/getFeedFile.ts';

export const publicRoutes: RouteModule[] = [
  health,
  connectPage,
  oauthCallback,
  keyCallback,
  keyReturn,
  unifiedWebhook,
  // One route per provider of the table (src/providers/registry.ts).
  providerWebhooks,
  getFeedFile,
];

export const tenantRoutes: RouteModule[] = [
  createProduct,
  listProducts,
  getProduct,
  updateProduct,
  deleteProduct,
  createVariant,
  authUrl,
  saveConnection,
  listConnections,
  deleteConnection,
  getInbound,
  rotateInboundSecret,
  pushProduct,
  getPushJob,
  pushProducts,
  getBatch,
  listOrders,
  getOrder,
  getCatalogFeed,
  putCatalogStore,
];
