// Products for the catalog bench: a synthetic generator (the feed pipeline alone) and a
// bulk loader that puts the same catalog into PGlite or PostgreSQL (read back through
// the real keyset reader). The loader runs in a child process of the bench, so the
// memory PGlite grows while bulk-inserting never counts against the build.
import type { CatalogProduct, StoreProfile } from '../src/catalog/model.ts';
import type { Database } from '../src/db/client.ts';

export const TENANT = '6f1c3a52-7c1e-4c57-9a55-0c0b8f0f4d11';
export const ORG = '0b7e9c1d-2f3a-4b5c-8d6e-7f8091a2b3c4';
export const store: StoreProfile = { tenantId: TENANT, name: 'Bench Outfitters', url: 'https://bench.example', returnPolicy: null };

const SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];
const COLORS = ['Forest Green', 'Navy', 'Black', 'Sand'];
const DESCRIPTION = 'Lightweight merino trail running t-shirt with flatlock seams, odour control and a relaxed fit for long days.';
const CATEGORY = 'Apparel & Accessories > Clothing > Shirts & Tops';
const T0 = Date.UTC(2026, 0, 1);

/** A valid GTIN-13 per variant, so the gtin13 property is present as in a real catalog. */
function gtin13(n: number): string {
  const body = String(400000000000 + n);
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += (body.charCodeAt(i) - 48) * (i % 2 === 0 ? 1 : 3);
  return body + String((10 - (sum % 10)) % 10);
}

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function syntheticProduct(i: number, variants: number): CatalogProduct {
  const at = new Date(T0 + i * 1000);
  const vs: CatalogProduct['variants'] = [];
  for (let v = 0; v < variants; v++) {
    const n = i * variants + v;
    vs.push({
      id: uuid(1e11 + n),
      sku: `TT-${i}-${v}`,
      barcode: gtin13(n),
      price: `${19 + (i % 80)}.${String(i % 100).padStart(2, '0')}`,
      currency: 'USD',
      optionValues: { Size: SIZES[v % SIZES.length]!, Color: COLORS[i % COLORS.length]! },
      inventoryQuantity: (i + v) % 7,
      position: v,
    });
  }
  return {
    id: uuid(i),
    title: `Trail Tee ${i}`,
    description: DESCRIPTION,
    category: CATEGORY,
    brand: 'Acme',
    handle: `trail-tee-${i}`,
    images: [`https://cdn.bench.example/img/${i}/main.jpg`, `https://cdn.bench.example/img/${i}/back.jpg`],
    createdAt: at,
    updatedAt: at,
    variants: vs,
  };
}

export async function* synthetic(groups: number, variants: number, batch: number): AsyncGenerator<CatalogProduct[]> {
  for (let i = 0; i < groups; i += batch) {
    const out: CatalogProduct[] = [];
    for (let j = i; j < Math.min(groups, i + batch); j++) out.push(syntheticProduct(j, variants));
    yield out;
  }
}

/** Opens the bench database; PGlite, pg and Drizzle are imported only in db mode (~100 MB of RSS). */
export async function openBenchDatabase(dataDir: string): Promise<Database> {
  const { openDatabase } = await import('../src/db/client.ts');
  return openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir });
}

/** Bulk-loads the synthetic catalog (same shape, barcodes left out) with set-based SQL. */
export async function loadDatabase(dataDir: string, groups: number, variants: number): Promise<void> {
  const { migrateDatabase } = await import('../src/db/client.ts');
  const { sql } = await import('drizzle-orm');
  const database = await openBenchDatabase(dataDir);
  try {
    await migrateDatabase(database);
    const db = database.db;
    await db.execute(sql`DELETE FROM products WHERE tenant_id = ${TENANT}`);
    await db.execute(sql`INSERT INTO tenants (id, org_id, name) VALUES (${TENANT}, ${ORG}, 'Bench') ON CONFLICT (id) DO NOTHING`);
    const t0 = performance.now();
    for (let i = 0; i < groups; i += 50_000) {
      const n = Math.min(50_000, groups - i);
      await db.execute(sql`
        INSERT INTO products (id, tenant_id, org_id, title, description, category, brand, handle, images, created_at, updated_at)
        SELECT ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, ${TENANT}, ${ORG}, 'Trail Tee ' || g, ${DESCRIPTION},
          ${CATEGORY}, 'Acme', 'trail-tee-' || g,
          jsonb_build_array('https://cdn.bench.example/img/' || g || '/main.jpg', 'https://cdn.bench.example/img/' || g || '/back.jpg'),
          timestamptz '2026-01-01' + g * interval '1 second', timestamptz '2026-01-01' + g * interval '1 second'
        FROM generate_series(${i}::int, ${i + n - 1}::int) g`);
      await db.execute(sql`
        INSERT INTO variants (tenant_id, org_id, product_id, sku, barcode, price, currency, option_values, inventory_quantity, position)
        SELECT ${TENANT}, ${ORG}, ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'TT-' || g || '-' || v, NULL,
          ((19 + g % 80)::text || '.' || lpad((g % 100)::text, 2, '0'))::numeric, 'USD',
          jsonb_build_object('Size', (ARRAY['XS','S','M','L','XL','XXL'])[1 + v % 6], 'Color', (ARRAY['Forest Green','Navy','Black','Sand'])[1 + g % 4]),
          (g + v) % 7, v
        FROM generate_series(${i}::int, ${i + n - 1}::int) g, generate_series(0, ${variants - 1}::int) v`);
    }
    await db.execute(sql`ANALYZE products`);
    await db.execute(sql`ANALYZE variants`);
    if (database.kind === 'pglite') await db.execute(sql`CHECKPOINT`);
    console.log(`loaded ${groups} products × ${variants} variants into ${database.kind} in ${((performance.now() - t0) / 1000).toFixed(1)} s (child process)`);
  } finally {
    await database.close();
  }
}
