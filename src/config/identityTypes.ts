/** The `identity` block: JWT issuers whose tokens may act as services (docs/identity.md). */

/** Where an issuer's verification keys come from: exactly one kind per issuer. */
export type JwtKeySource =
  | { readonly kind: 'jwks_file'; readonly path: string }
  | { readonly kind: 'jwks_url'; readonly url: string }
  | { readonly kind: 'public_key_file'; readonly path: string }
  /** HS256 and friends; the secret is never logged. */
  | { readonly kind: 'shared_secret'; readonly secret: string };

/** A session tag taken from a claim: the STS tag key and the JSON Pointer of the claim. */
export interface ClaimTag {
  readonly key: string;
  readonly pointer: string;
}

/** `identity.jwt.issuers.<name>`, normalized. */
export interface JwtIssuerConfig {
  readonly name: string;
  /** The exact `iss` claim. */
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly keys: JwtKeySource;
  /** JSON Pointer to the claim naming the service (the sandbox model). */
  readonly serviceClaim?: string;
  readonly sessionTags: readonly ClaimTag[];
  /** Every claim tag is transitive. */
  readonly transitive: boolean;
  /** JSON Pointer to the claim passed as SourceIdentity. */
  readonly sourceIdentity?: string;
  readonly maxLifetimeSeconds: number;
  readonly algorithms: readonly string[];
}

export interface JwtConfig {
  readonly clockSkewSeconds: number;
  readonly issuers: readonly JwtIssuerConfig[];
}

/** `identity`: ways in besides static tokens. */
export interface IdentityConfig {
  /** Undefined when no JWT is accepted. */
  readonly jwt: JwtConfig | undefined;
}
