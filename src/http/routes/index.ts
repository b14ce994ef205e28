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

export const publicRoutes: RouteModule[] = [health];

export const tenantRoutes: RouteModule[] = [createProduct, listProducts, getProduct, updateProduct, deleteProduct, createVariant];
