/**
 * "Did you mean …?" for names users type: kinds, annotations, hardware profiles, flags.
 * Pure; shared by every check that rejects an unknown name.
 */

/** Edit distance (insertions, deletions, substitutions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, i) => i);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/**
 * How far apart the first differing characters are: between equally close names, `pi6` is
 * nearer `pi5` than `pi2`.
 */
function firstDifferenceGap(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return Math.abs(left.charCodeAt(i) - right.charCodeAt(i));
  }
  return 0;
}

/**
 * The known name closest to `input`, if it is close enough to be a slip of the keyboard
 * (at most a third of the name, and never more than three edits); undefined otherwise.
 */
export function closest(input: string, known: Iterable<string>): string | undefined {
  let best: { name: string; distance: number; gap: number } | undefined;
  for (const name of known) {
    const distance = editDistance(input, name);
    const gap = firstDifferenceGap(input, name);
    if (!best || distance < best.distance || (distance === best.distance && gap < best.gap)) best = { name, distance, gap };
  }
  if (!best) return undefined;
  const allowed = Math.min(3, Math.max(1, Math.floor(Math.max(input.length, best.name.length) / 3)));
  return best.distance <= allowed ? best.name : undefined;
}

/** `did you mean X? ` or an empty string, to put in front of a hint. */
export function didYouMean(input: string, known: Iterable<string>): string {
  const suggestion = closest(input, known);
  return suggestion ? `did you mean ${suggestion}? ` : '';
}
