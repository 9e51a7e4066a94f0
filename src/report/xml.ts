/** Escaping for XML and HTML text and attribute values: the one copy (JUnit, report.html, the plan's HTML section). */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
