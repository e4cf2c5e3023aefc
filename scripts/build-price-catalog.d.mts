// Types of build-price-catalog.mjs, for the tests that import it.

/** Where the catalog is committed. */
export declare const CATALOG_PATH: string;
/** The day date-conditioned prices are resolved at, unless --as-of says otherwise. */
export declare const DEFAULT_AS_OF: string;
/** `value / 10^shift` as an exact decimal string, or null past 12 decimals. */
export declare function shiftDecimal(value: number, shift: number): string | null;
/** The catalog built from the installed package, and its text as committed. */
export declare function buildPriceCatalog(asOf?: string): Promise<{
  catalog: {
    version: string;
    model_count: number;
    providers: Record<string, Record<string, Record<string, string>>>;
    notes: { skipped: string[]; tiered: string[] };
  };
  text: string;
}>;
