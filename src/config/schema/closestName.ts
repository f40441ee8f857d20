/**
 * The allowed name a mistyped key most likely meant (`asumed_role` → `assumed_role`): the
 * closest by edit distance, ignoring case, if it is at most two edits away and the edits
 * change less than half of the key. Undefined when nothing is that close, or two names are.
 */
export function closestName(key: string, allowed: readonly string[]): string | undefined {
  const typed = key.toLowerCase();
  const limit = Math.min(2, Math.ceil(typed.length / 2) - 1);
  let best: string | undefined;
  let bestDistance = limit + 1;
  let tied = false;
  for (const name of allowed) {
    const distance = editDistance(typed, name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
      tied = false;
    } else if (distance === bestDistance) {
      tied = true;
    }
  }
  return tied ? undefined : best;
}

/** Levenshtein distance with adjacent swaps (`assmued` is one edit from `assumed`). */
function editDistance(a: string, b: string): number {
  // Rows i-2, i-1 and i of the usual table; keys are short, so this is cheap.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, (before[j - 2] ?? 0) + 1);
      }
      current.push(value);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}
