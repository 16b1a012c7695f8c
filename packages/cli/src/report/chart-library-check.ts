/** The library's source, if it can sit inside a <script> element as it is (no `</script` or `<!--`). */
export function checkedForInlining(source: string): string {
  if (/<\/script|<!--/i.test(source)) {
    throw new Error('the chart library contains "</script" or "<!--" and cannot be inlined in the report page');
  }
  return source;
}
