/**
 * Token strength (DESIGN-NOTES, "Token strength"): tokens should be long random strings, at
 * least 32 characters. Weak ones are a warning, not an error, so existing configs keep loading.
 */
export const MIN_TOKEN_LENGTH = 32;

/**
 * Words that make up guessable tokens (`changeme`, `my-secret-token-2025`). A token built
 * only from these and digits is weak whatever its length.
 */
const WEAK_WORDS = new Set(
  (
    'a abc admin an and api app auth aws cred credproxy creds credential credentials changeme change ' +
    'default demo dev development example for guest hello key letmein local localhost me my pass ' +
    'of our passw0rd password prod production qwerty root sample secret secure service staging ' +
    'super the test testing to token user welcome your'
  ).split(' '),
);

/** Why `token` is weak, or undefined when it looks like a long random string. Never echoes it. */
export function weakTokenReason(token: string): string | undefined {
  if (token.length > 1 && isOneCharacter(token)) {
    return 'is a single repeated character; use a long random string (e.g. openssl rand -hex 32)';
  }
  if (isMadeOfWords(token)) {
    return 'is made of common words; use a long random string (e.g. openssl rand -hex 32)';
  }
  if (token.length < MIN_TOKEN_LENGTH) {
    return `is shorter than ${MIN_TOKEN_LENGTH} characters; use a long random string (e.g. openssl rand -hex 32)`;
  }
  return undefined;
}

function isOneCharacter(token: string): boolean {
  for (let i = 1; i < token.length; i++) if (token[i] !== token[0]) return false;
  return true;
}

function isMadeOfWords(token: string): boolean {
  const parts = token
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((part) => part !== '');
  const words = parts.filter((part) => !/^\d+$/.test(part));
  // Digits alone are left to the length rule: 40 random digits are a fine token.
  if (words.length === 0) return false;
  return words.every((part) => WEAK_WORDS.has(part.replace(/\d+$/, '')));
}
