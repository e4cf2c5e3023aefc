import type { Provider } from '@tollgate/protocol';
import type { ProviderRuntime } from '../routing/model-catalog.js';

/**
 * A provider's slug: its name lowercased, each run of non-alphanumerics as one `-`, no `-` at
 * either end (`Acme Cloud` → `acme-cloud`). A name with no ASCII letter or digit keeps its
 * lowercased, URI-encoded form so that the slug is never empty.
 */
export function toProviderSlug(name: string): string {
  const lowercase = name.toLowerCase();
  const slug = lowercase.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return slug === '' ? encodeURIComponent(lowercase) : slug;
}

/** A configured provider as `GET /api/v1/providers` lists it. Tollgate knows no policy URLs. */
export function toWireProvider(provider: ProviderRuntime): Provider {
  return {
    name: provider.name,
    slug: toProviderSlug(provider.name),
    privacy_policy_url: null,
    terms_of_service_url: null,
    status_page_url: null,
  };
}
