/** What `twin plan --search` and `twin merge` (of search shards) share: how a search's result is printed. */
import { renderSearchText } from '../plan/render.js';
import type { SearchResult } from '../plan/search.js';
import { renderTable, writeOut } from './output.js';

/** The flags a search shard file records for `twin merge`: the output's form. */
export interface SearchOutputArgs {
  readonly json: boolean;
}

export function printSearch(result: SearchResult, args: SearchOutputArgs): void {
  writeOut(args.json ? JSON.stringify(result, null, 2) : renderSearchText(result, renderTable));
}
