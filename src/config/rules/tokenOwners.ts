/**
 * The one rule for every place tokens meet (a config file, dynamic files against each other
 * and the static services, the merged served set): a token belongs to the first service that
 * claims it, and every later claim is a conflict. Keys are the tokens themselves, held only in
 * memory next to the config that already holds them; nothing here is ever logged.
 */
export interface TokenOwners<Owner> {
  /** A service with no static token (a token file or JWT only) holds nothing: undefined is no token. */
  ownerOf(token: string | undefined): Owner | undefined;
  /** Claims `token` for `owner` unless it is held; returns the owner that holds it now. */
  claim(token: string | undefined, owner: Owner): Owner;
  release(token: string | undefined): void;
}

export function createTokenOwners<Owner>(): TokenOwners<Owner> {
  const owners = new Map<string, Owner>();
  return {
    ownerOf: (token) => (token === undefined ? undefined : owners.get(token)),
    claim(token, owner) {
      if (token === undefined) return owner;
      const holder = owners.get(token);
      if (holder !== undefined) return holder;
      owners.set(token, owner);
      return owner;
    },
    release: (token) => {
      if (token !== undefined) owners.delete(token);
    },
  };
}
