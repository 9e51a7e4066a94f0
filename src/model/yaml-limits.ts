/**
 * Limits on the YAML twin reads, checked on the text before the parser sees it. The `yaml`
 * parser recurses once per nesting level: ten thousand levels take seconds and then overflow
 * the stack. No cluster, profile, inventory or Kubernetes object comes near the limit
 * (a Deployment nests about fifteen levels; CRD schemas about forty).
 */

export const maxNestingDepth = 100;

/** How many times aliases (`*name`) may be expanded; the parser's guard against alias bombs. */
export const maxAliasCount = 1000;

export interface NestingExcess {
  /** 1-based line where the nesting passed the limit. */
  readonly line: number;
}

/** Where the first block scalar (`key: |`) begins its content, so its text is not read as YAML. */
const blockScalarStart = /(^|[\s:-])[|>][-+0-9]*\s*(#.*)?$/;

/**
 * The first line at which block indentation plus flow brackets (`[`, `{`) pass
 * {@link maxNestingDepth}; undefined when the text stays within it. Quoted strings, comments
 * and block scalars are skipped. An approximation that never counts less than the parser
 * nests: enough to refuse a pathological file quickly and name its line.
 */
export function findExcessiveNesting(text: string): NestingExcess | undefined {
  const indents: number[] = [];
  let flow = 0;
  let blockScalarIndent = -1;
  let lineNumber = 0;
  for (const line of text.split('\n')) {
    lineNumber++;
    const content = line.trimStart();
    const indent = line.length - content.length;
    if (blockScalarIndent >= 0) {
      if (content === '' || indent > blockScalarIndent) continue;
      blockScalarIndent = -1;
    }
    if (content === '' || content.startsWith('#')) continue;
    if (content.startsWith('---') || content.startsWith('...')) {
      indents.length = 0;
      flow = 0;
      continue;
    }
    if (flow === 0) {
      while (indents.length > 0 && (indents[indents.length - 1] ?? 0) >= indent) indents.pop();
      indents.push(indent);
      // `- - - a`: each dash opens a sequence on the same line.
      const dashes = /^(-\s+)+/.exec(content)?.[0].split('-').length ?? 1;
      if (indents.length + dashes - 1 > maxNestingDepth) return { line: lineNumber };
    }
    let quote: string | null = null;
    for (let i = 0; i < content.length; i++) {
      const ch = content[i];
      const before = i === 0 ? ' ' : (content[i - 1] ?? ' ');
      if (quote) {
        if (ch === '\\' && quote === '"') i++;
        else if (ch === quote) quote = null;
      } else if ((ch === '"' || ch === "'") && /[\s[{,:]/.test(before)) quote = ch;
      else if (ch === '#' && /\s/.test(before)) break;
      else if (ch === '[' || ch === '{') {
        flow++;
        if (indents.length + flow > maxNestingDepth) return { line: lineNumber };
      } else if ((ch === ']' || ch === '}') && flow > 0) flow--;
    }
    if (flow === 0 && quote === null && blockScalarStart.test(content)) blockScalarIndent = indent;
  }
  return undefined;
}
