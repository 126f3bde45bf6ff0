/** First word of a contig name: up to the first space, tab, CR or LF (upstream extract_contig_name). */
export function shortName(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) return name.slice(0, i);
  }
  return name;
}
