import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../providers/registry.ts';
import { urlRedactor } from './app.ts';

describe('urlRedactor', () => {
  const redact = urlRedactor(PROVIDERS.flatMap((p) => p.facts.secretQueryParams));

  it("redacts the shared OAuth parameters and each provider's own, and nothing else", () => {
    expect(redact('/api/v1/integrations/oauth/amazon/callback?state=s1&selling_partner_id=A1&spapi_oauth_code=RHxy')).toBe(
      '/api/v1/integrations/oauth/amazon/callback?state=[redacted]&selling_partner_id=A1&spapi_oauth_code=[redacted]',
    );
    expect(redact('/x?code=abc&shop=demo.myshopify.com&HMAC=f00')).toBe('/x?code=[redacted]&shop=demo.myshopify.com&HMAC=[redacted]');
    expect(redact('/x?consumer_secret=cs_1&user_id=7')).toBe('/x?consumer_secret=[redacted]&user_id=7');
  });

  it('takes names from a provider table row, escaped', () => {
    expect(urlRedactor(['tiny.key'])('/cb?tiny.key=1&tinyXkey=2')).toBe('/cb?tiny.key=[redacted]&tinyXkey=2');
  });
});
